namespace Dilemma.Tests.Infrastructure;

/// <summary>Waiting for a condition with a deadline, never for a fixed time.</summary>
internal static class Eventually
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Waited {timeout.TotalSeconds:0} s for {what}.");
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }
}
