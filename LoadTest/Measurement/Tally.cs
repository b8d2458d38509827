using Dilemma.LoadTest.Http;

namespace Dilemma.LoadTest.Measurement;

/// <summary>What one worker saw, split into answers the scenario wanted, refusals it expects under overload, and errors.</summary>
public sealed class Tally
{
    public LatencyHistogram Succeeded { get; } = new();

    public LatencyHistogram Rejected { get; } = new();

    public Dictionary<string, long> RejectionsByKind { get; } = new(StringComparer.Ordinal);

    public LatencyHistogram Failed { get; } = new();

    public Dictionary<string, long> ErrorsByKind { get; } = new(StringComparer.Ordinal);

    public void Success(Outcome outcome) => Succeeded.Record(outcome.Elapsed);

    public void Rejection(Outcome outcome)
    {
        Rejected.Record(outcome.Elapsed);
        Count(RejectionsByKind, outcome.Describe(), 1);
    }

    public void Error(Outcome outcome)
    {
        Failed.Record(outcome.Elapsed);
        Count(ErrorsByKind, outcome.Describe(), 1);
    }

    public static Tally Merge(IEnumerable<Tally> tallies)
    {
        var total = new Tally();
        foreach (var tally in tallies)
        {
            total.Succeeded.Add(tally.Succeeded);
            total.Rejected.Add(tally.Rejected);
            total.Failed.Add(tally.Failed);
            foreach (var (kind, count) in tally.RejectionsByKind)
            {
                Count(total.RejectionsByKind, kind, count);
            }

            foreach (var (kind, count) in tally.ErrorsByKind)
            {
                Count(total.ErrorsByKind, kind, count);
            }
        }

        return total;
    }

    private static void Count(Dictionary<string, long> counts, string kind, long count) =>
        counts[kind] = counts.GetValueOrDefault(kind) + count;
}
