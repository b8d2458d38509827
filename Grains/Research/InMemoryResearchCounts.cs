using Dilemma.Grains.Accounts;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Research;

/// <summary>The research counts of embedded mode, from the in-memory stores.</summary>
public sealed class InMemoryResearchCounts(InMemoryResearchStore research, InMemoryAccountStore accounts, InMemoryExportLedger ledger) : IResearchCounts
{
    public Task<ResearchCounts> CountAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (users, guests, consenting, bots) = accounts.CountForResearch();
        var rooms = research.SnapshotRooms();
        long Rooms(RoomPhase phase) => rooms.Count(r => InMemoryResearchExportSource.Phase(r) == phase);
        var exports = ledger.Count;

        // Seats left before a game are not kept apart in memory.
        return Task.FromResult(new ResearchCounts(
            users,
            guests,
            consenting,
            Rooms(RoomPhase.Waiting),
            Rooms(RoomPhase.Started),
            Rooms(RoomPhase.Finished),
            rooms.Sum(r => r.Seats.Count),
            0,
            rooms.Sum(r => r.Choices.Count),
            rooms.Sum(r => r.Consensus.Count),
            research.CountRecordingEvents(),
            exports,
            now,
            bots.Count,
            rooms.Sum(r => r.Seats.Count(s => bots.Contains(s.UserId))),
            rooms.Sum(r => r.Choices.Count(c => c.IsBot))));
    }
}
