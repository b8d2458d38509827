namespace Dilemma.Grains.Research;

/// <summary>Removes research rows past their retention, MySQL in cluster mode, the in-memory stores in embedded mode. Times are UTC.</summary>
public interface IResearchRetentionStore
{
    /// <summary>
    /// Removes every row of the rooms that ended before <paramref name="roomsEndedBefore"/> (the room row, seats, choices,
    /// consensus, room and recording events, withdrawal codes), and in rooms that ended before <paramref name="withoutConsentBefore"/>
    /// the rows of people without data consent (as a withdrawal erases them: consensus and events they caused lose the link only).
    /// A null time skips that part. Only finished and closed rooms are touched; each part that removed rows is one entry of the
    /// erasure ledger (kind <c>retention</c> or <c>retention_without_consent</c>), recorded at <paramref name="now"/>.
    /// </summary>
    Task<RetentionReport> ApplyAsync(DateTime? roomsEndedBefore, DateTime? withoutConsentBefore, DateTime now, CancellationToken cancellationToken);
}

/// <summary>What one retention run removed: whole rooms and their rows, and the rows of seats without consent.</summary>
public readonly record struct RetentionReport(long RoomsRemoved, long RoomRowsRemoved, long SeatsWithoutConsentRemoved, long RowsWithoutConsentRemoved);
