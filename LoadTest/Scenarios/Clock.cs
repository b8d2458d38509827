using System.Diagnostics;

namespace Dilemma.LoadTest.Scenarios;

/// <summary>Deadlines as <see cref="Stopwatch"/> timestamps: monotonic, and cheap to compare in a hot loop.</summary>
internal static class Clock
{
    public static long Now => Stopwatch.GetTimestamp();

    public static long After(long timestamp, TimeSpan span) => timestamp + (long)(span.TotalSeconds * Stopwatch.Frequency);

    public static bool Before(long deadline) => Stopwatch.GetTimestamp() < deadline;

    /// <summary>Waits until a phase boundary (the end of a warm-up), not for luck.</summary>
    public static Task UntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        return remaining > TimeSpan.Zero ? Task.Delay(remaining, cancellationToken) : Task.CompletedTask;
    }
}
