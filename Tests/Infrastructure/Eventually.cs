namespace Dilemma.Tests.Infrastructure;

/// <summary>Waiting for a condition with a deadline, never for a fixed time.</summary>
internal static class Eventually
{
    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancellationToken) =>
        UntilAsync(condition, timeout, () => what, cancellationToken);

    /// <summary>
    /// As above, with <paramref name="what"/> read when the wait fails, so it can say what was seen last, and the
    /// condition asked every <paramref name="every"/> (50 ms by default).
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what, CancellationToken cancellationToken, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Waited {timeout.TotalSeconds:0} s for {what()}.");
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }
}
