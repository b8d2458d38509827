using System.Collections.Concurrent;
using Dilemma.LoadTest.Dropouts;
using Dilemma.LoadTest.Measurement;

namespace Dilemma.LoadTest.FullGames;

/// <summary>What all tables record into.</summary>
internal sealed class GameRecord(RequestBudget budget)
{
    private long _completed;
    private long _failed;
    private int _vanished;

    public RequestBudget Budget { get; } = budget;

    /// <summary>With dropouts: every room the run created, with the events it must hold.</summary>
    public ConcurrentQueue<ExpectedEvents> Games { get; } = new();

    public int Vanished => Volatile.Read(ref _vanished);

    public void PlayerVanished() => Interlocked.Increment(ref _vanished);

    public SharedTally[] Endpoints { get; } = Endpoint.All.Select(_ => new SharedTally()).ToArray();

    public SharedLatency GameDuration { get; } = new();

    public SharedCounts WarmupErrors { get; } = new();

    public long Completed => Interlocked.Read(ref _completed);

    public long Failed => Interlocked.Read(ref _failed);

    public void GameCompleted(TimeSpan duration)
    {
        Interlocked.Increment(ref _completed);
        GameDuration.Record(duration);
    }

    public void GameFailed() => Interlocked.Increment(ref _failed);
}
