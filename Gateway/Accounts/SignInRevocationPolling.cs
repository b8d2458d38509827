namespace Dilemma.Gateway.Accounts;

/// <summary>
/// Keeps <see cref="SignInRevocations"/> current: once before the gateway takes requests, so a gateway that starts
/// after a sign-out refuses that sign-in's tokens from its first request, then every <c>Auth:RevocationPollSeconds</c>,
/// which bounds how long a sign-out handled by another gateway takes to reach this one. A poll that fails is logged and
/// the next one catches up: the cursor has not moved, so nothing is missed.
/// </summary>
public sealed partial class SignInRevocationPolling(
    SignInRevocations revocations,
    JwtSettings settings,
    TimeProvider time,
    ILogger<SignInRevocationPolling> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await PollAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.RevocationPollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await PollAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        try
        {
            await revocations.SyncAsync(cancellationToken);
        }
        // Whatever the cluster answered with (a silo gone, a database out of reach while the list activated): an exception
        // let out of the loop would stop it, and a gateway that stops learning revocations keeps accepting signed-out tokens.
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogPollFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The revoked sign-ins could not be read from the cluster; the next poll tries again")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
