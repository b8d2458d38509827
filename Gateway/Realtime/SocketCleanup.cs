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

    // Longer than a one-way push takes to arrive, however busy the silo.
    private static readonly TimeSpan ReleaseGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Deletes a closed socket's observer reference a little later rather than at once: a push the
    /// grain sent just before it heard of the close may still be on its way, and one that finds
    /// the reference deleted is an error in the runtime's log. Until then such a push lands on the
    /// closed socket, which drops it. The session stays referenced meanwhile, as the runtime
    /// holds observers weakly.
    /// </summary>
    public static void ReleaseLater<TObserver>(IGrainFactory grains, TObserver reference, object session)
        where TObserver : IGrainObserver =>
        _ = Task.Delay(ReleaseGrace).ContinueWith(
            _ =>
            {
                grains.DeleteObjectReference<TObserver>(reference);
                GC.KeepAlive(session);
            },
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not unregister a closed socket ({Reason}); its registrations will lapse")]
    private static partial void LogCleanupFailed(ILogger logger, string reason);
}
