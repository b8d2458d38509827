using System.Diagnostics;
using Dilemma.LoadTest.Measurement;

namespace Dilemma.LoadTest.Signaling;

/// <summary>What every socket records into.</summary>
internal sealed class RelayRecord
{
    // The target for relay p99; the timeline counts the messages slower than it, second by second.
    private static readonly long SlowTicks = (long)(0.010 * Stopwatch.Frequency);

    private long[] _perSecond = [];
    private long[] _slowPerSecond = [];
    private long[] _maxPerSecond = [];
    private long _measureFrom = long.MaxValue;
    private long _deadline = long.MinValue;
    private long _sentInWindow;
    private long _receivedInWindow;
    private long _sequenceGaps;
    private long _outOfOrder;
    private long _sendFailures;

    public SharedLatency Relay { get; } = new();

    public SharedLatency SendLag { get; } = new();

    public SharedCounts ConnectFailures { get; } = new();

    public SharedCounts Errors { get; } = new();

    public SharedCounts Closes { get; } = new();

    public SharedCounts Others { get; } = new();

    public long SentInWindow => Interlocked.Read(ref _sentInWindow);

    public long ReceivedInWindow => Interlocked.Read(ref _receivedInWindow);

    public long SequenceGaps => Interlocked.Read(ref _sequenceGaps);

    public long OutOfOrder => Interlocked.Read(ref _outOfOrder);

    public long SendFailures => Interlocked.Read(ref _sendFailures);

    public void Window(long measureFrom, long deadline, int seconds)
    {
        _perSecond = new long[seconds];
        _slowPerSecond = new long[seconds];
        _maxPerSecond = new long[seconds];
        Volatile.Write(ref _deadline, deadline);
        Volatile.Write(ref _measureFrom, measureFrom);
    }

    /// <summary>Second by second of the window (by send time): whether slow relays come in bursts (a pause, a periodic task) or spread evenly.</summary>
    public IReadOnlyList<RelaySecond> Timeline() =>
        Enumerable.Range(0, _perSecond.Length).Select(i => new RelaySecond(
            i,
            Interlocked.Read(ref _perSecond[i]),
            Interlocked.Read(ref _slowPerSecond[i]),
            Math.Round(Interlocked.Read(ref _maxPerSecond[i]) * 1000.0 / Stopwatch.Frequency, 1))).ToList();

    public bool InWindow(long timestamp) => timestamp >= Volatile.Read(ref _measureFrom) && timestamp < Volatile.Read(ref _deadline);

    public void Sent(long scheduled, long sentAt)
    {
        if (InWindow(sentAt))
        {
            Interlocked.Increment(ref _sentInWindow);
            SendLag.Record(Stopwatch.GetElapsedTime(scheduled, sentAt));
        }
    }

    public void Received(long sentAt, long receivedAt)
    {
        if (InWindow(sentAt))
        {
            Interlocked.Increment(ref _receivedInWindow);
            Relay.Record(Stopwatch.GetElapsedTime(sentAt, receivedAt));
            var second = (int)((sentAt - Volatile.Read(ref _measureFrom)) / Stopwatch.Frequency);
            if (second < _perSecond.Length)
            {
                var ticks = receivedAt - sentAt;
                Interlocked.Increment(ref _perSecond[second]);
                if (ticks > SlowTicks)
                {
                    Interlocked.Increment(ref _slowPerSecond[second]);
                }

                for (var max = Interlocked.Read(ref _maxPerSecond[second]); ticks > max; max = Interlocked.Read(ref _maxPerSecond[second]))
                {
                    if (Interlocked.CompareExchange(ref _maxPerSecond[second], ticks, max) == max)
                    {
                        break;
                    }
                }
            }
        }
    }

    public void Gap(long missing) => Interlocked.Add(ref _sequenceGaps, missing);

    public void Reordered() => Interlocked.Increment(ref _outOfOrder);

    public void SendFailed() => Interlocked.Increment(ref _sendFailures);
}
