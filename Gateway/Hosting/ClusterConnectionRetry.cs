using Orleans.Runtime.Messaging;

namespace Dilemma.Gateway.Hosting;

/// <summary>
/// Keeps a starting gateway trying to reach the cluster for as long as its host lets it. On a first install, or after
/// every silo restarted, gateways start before any silo has joined; Orleans' own filter gives up at once when the
/// membership table lists no silo (<see cref="SiloUnavailableException"/>), so the process exited and an orchestrator
/// restarted it with growing back-off. Kubernetes' startup probe bounds the wait (docs/deploy.md, "Probes").
/// </summary>
internal sealed partial class ClusterConnectionRetry(ILogger<ClusterConnectionRetry> logger, TimeProvider time) : IClientConnectionRetryFilter
{
    private const int LongestWaitSeconds = 10;

    private int _attempts;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        // Anything else (a wrong setting, a bug) is no reason to wait: it would fail the same way again.
        if (cancellationToken.IsCancellationRequested
            || exception is not (SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException or StackExchange.Redis.RedisConnectionException))
        {
            return false;
        }

        var attempt = Interlocked.Increment(ref _attempts);
        var wait = TimeSpan.FromSeconds(Math.Min(attempt, LongestWaitSeconds));
        LogWaiting(logger, attempt, wait.TotalSeconds, exception.Message);
        await Task.Delay(wait, time, cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No silo of the cluster could be reached yet (attempt {Attempt}); waiting for a silo, trying again in {Seconds} s: {Reason}")]
    private static partial void LogWaiting(ILogger logger, int attempt, double seconds, string reason);
}
