namespace Dilemma.LoadTest.Measurement;

/// <summary>
/// The most requests a run may send, shared by all workers: a safety bound besides the duration,
/// so that a server that fails instantly cannot turn a loop into millions of requests.
/// </summary>
public sealed class RequestBudget(long limit)
{
    private long _taken;

    public bool Exhausted => Interlocked.Read(ref _taken) >= limit;

    public bool TryTake() => Interlocked.Increment(ref _taken) <= limit;
}
