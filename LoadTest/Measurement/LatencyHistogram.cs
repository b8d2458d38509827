using HdrHistogram;

namespace Dilemma.LoadTest.Measurement;

/// <summary>
/// Latencies in microseconds with three significant digits. Not thread-safe: each worker keeps
/// its own and they are added together at the end, so recording costs no lock.
/// </summary>
public sealed class LatencyHistogram
{
    // Above any request timeout the tool allows; a value past it is clamped rather than lost.
    private const long HighestMicroseconds = 15L * 60 * 1_000_000;

    private readonly LongHistogram _histogram = new(HighestMicroseconds, 3);

    public long Count => _histogram.TotalCount;

    public void Record(TimeSpan elapsed) => _histogram.RecordValue(Microseconds(elapsed));

    /// <summary>
    /// For a fixed-rate prober: a probe that took longer than the interval also stands for the
    /// probes that could not be sent meanwhile (HdrHistogram's coordinated-omission correction).
    /// </summary>
    public void Record(TimeSpan elapsed, TimeSpan expectedInterval) =>
        _histogram.RecordValueWithExpectedInterval(Microseconds(elapsed), Microseconds(expectedInterval));

    public void Add(LatencyHistogram other) => _histogram.Add(other._histogram);

    public LatencySummary Summarize()
    {
        if (Count == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
        }

        return new LatencySummary(
            Count,
            Milliseconds(_histogram.GetMean()),
            Milliseconds(_histogram.GetValueAtPercentile(50)),
            Milliseconds(_histogram.GetValueAtPercentile(90)),
            Milliseconds(_histogram.GetValueAtPercentile(99)),
            Milliseconds(_histogram.GetValueAtPercentile(99.9)),
            Milliseconds(_histogram.GetMaxValue()));
    }

    /// <summary>One percentile in milliseconds (0 with nothing recorded), for a figure the summary does not carry.</summary>
    public double PercentileMs(double percentile) => Count == 0 ? 0 : Milliseconds(_histogram.GetValueAtPercentile(percentile));

    private static long Microseconds(TimeSpan elapsed) => Math.Clamp((long)elapsed.TotalMicroseconds, 1, HighestMicroseconds);

    private static double Milliseconds(double microseconds) => Math.Round(microseconds / 1000.0, 3);
}

/// <summary>Latency percentiles in milliseconds over <see cref="Count"/> requests.</summary>
public sealed record LatencySummary(long Count, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs);
