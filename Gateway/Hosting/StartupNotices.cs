using Dilemma.Gateway.Accounts;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Diagnostics;

namespace Dilemma.Gateway.Hosting;

/// <summary>Says at start-up, where an operator looks first, what this mode does not give them.</summary>
public sealed partial class StartupNotices(GatewayHostInfo host, JwtSettings jwt, IServiceProvider services, ILogger<StartupNotices> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (host.Mode == GatewayMode.Embedded)
        {
            // The storage's own description says what it keeps (the bound on finished games), as /health/ready does.
            var grains = services.GetRequiredService<IGrainFactory>();
            var storage = await grains.GetGrain<IDiagnosticsGrain>(0).CheckStorageAsync(cancellationToken);
            LogEmbedded(logger, storage.Description);

            // Only whoever reads this output can make the first admin; once one exists, no code.
            if (await grains.GetGrain<IAccountsGrain>(0).GetAdminSetupCodeAsync(cancellationToken) is { } code)
            {
                LogSetupCode(logger, code);
            }
        }

        if (jwt.KeyWasGenerated)
        {
            LogGeneratedKey(logger);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded mode: one in-process silo with in-memory storage. Data is NOT durable: every account, room and choice is lost when this process stops. {Storage} Use cluster mode (Cluster:Mode=Cluster) for real studies.")]
    private static partial void LogEmbedded(ILogger logger, string storage);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No admin yet. One-time admin setup code: {SetupCode} (register with \"setup_code\" in POST /auth/register to become admin; it works once).")]
    private static partial void LogSetupCode(ILogger logger, string setupCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No Auth:JwtKey configured: generated a random development key. Tokens stop working when this process stops; set Auth__JwtKey (32+ bytes) to keep them.")]
    private static partial void LogGeneratedKey(ILogger logger);
}
