using Dilemma.Gateway.Accounts;

namespace Dilemma.Gateway.Hosting;

/// <summary>Says at start-up, where an operator looks first, what this mode does not give them.</summary>
public sealed partial class StartupNotices(GatewayHostInfo host, JwtSettings jwt, ILogger<StartupNotices> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (host.Mode == GatewayMode.Embedded)
        {
            LogEmbedded(logger);
        }

        if (jwt.KeyWasGenerated)
        {
            LogGeneratedKey(logger);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded mode: one in-process silo with in-memory storage. Data is NOT durable: every account, room and choice is lost when this process stops. Use cluster mode (Cluster:Mode=Cluster) for real studies.")]
    private static partial void LogEmbedded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No Auth:JwtKey configured: generated a random development key. Tokens stop working when this process stops; set Auth__JwtKey (32+ bytes) to keep them.")]
    private static partial void LogGeneratedKey(ILogger logger);
}
