namespace Dilemma.Gateway.Realtime;

/// <summary>
/// Unregistering a closed socket from its grains. The socket is gone either way; if the cluster
/// does not answer now, the registrations expire on their own (no renewals come), so a failure is
/// logged, not thrown from the endpoint after its response has ended.
/// </summary>
internal static partial class SocketCleanup
{
    public static async Task RunAsync(Func<Task> unregister, ILogger logger)
    {
        try
        {
            await unregister();
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            LogCleanupFailed(logger, e.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not unregister a closed socket ({Reason}); its registrations will lapse")]
    private static partial void LogCleanupFailed(ILogger logger, string reason);
}
