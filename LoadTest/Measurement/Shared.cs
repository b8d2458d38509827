using Dilemma.LoadTest.Http;

namespace Dilemma.LoadTest.Measurement;

/// <summary>
/// A histogram many tasks record into, behind a lock. One histogram at three significant digits
/// over the tool's range is about 170 KB, so one per connection (thousands) would cost hundreds
/// of megabytes of a machine the servers share; a few thousand records a second hardly contend.
/// </summary>
public sealed class SharedLatency
{
    private readonly Lock _gate = new();
    private readonly LatencyHistogram _histogram = new();

    public void Record(TimeSpan elapsed)
    {
        lock (_gate)
        {
            _histogram.Record(elapsed);
        }
    }

    public LatencySummary Summarize()
    {
        lock (_gate)
        {
            return _histogram.Summarize();
        }
    }
}

/// <summary>A <see cref="Tally"/> many tasks record into, behind a lock (see <see cref="SharedLatency"/> for why not one each).</summary>
public sealed class SharedTally
{
    private readonly Lock _gate = new();
    private readonly Tally _tally = new();

    public void Success(Outcome outcome)
    {
        lock (_gate)
        {
            _tally.Success(outcome);
        }
    }

    public void Error(Outcome outcome)
    {
        lock (_gate)
        {
            _tally.Error(outcome);
        }
    }

    /// <summary>What was recorded so far; call it once the recording tasks have finished.</summary>
    public Tally Result()
    {
        lock (_gate)
        {
            return Tally.Merge([_tally]);
        }
    }
}

/// <summary>Counts by kind (an error code, a close status) from many tasks.</summary>
public sealed class SharedCounts
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);

    public void Add(string kind, long count = 1)
    {
        lock (_gate)
        {
            _counts[kind] = _counts.GetValueOrDefault(kind) + count;
        }
    }

    public IReadOnlyDictionary<string, long> Result()
    {
        lock (_gate)
        {
            return new Dictionary<string, long>(_counts, StringComparer.Ordinal);
        }
    }
}
