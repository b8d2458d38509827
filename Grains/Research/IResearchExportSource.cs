using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Grains.Research;

/// <summary>
/// Reads the research tables for an export: MySQL in cluster mode, the in-memory stores in embedded mode. The ledger
/// the export is recorded in is <see cref="IExportLedger"/>, the overall counts <see cref="IResearchCounts"/>.
/// Every <see cref="DateTime"/> is UTC.
/// </summary>
public interface IResearchExportSource
{
    /// <summary>Opens one consistent read of everything the filter selects; every sheet comes from it.</summary>
    Task<IResearchExportSession> OpenAsync(ExportFilter filter, CancellationToken cancellationToken);

    /// <summary>
    /// When the oldest and the newest of the newest <paramref name="rooms"/> rooms were made (UTC), or null when there
    /// is none: the start-up warm-up's window.
    /// </summary>
    Task<(DateTime Oldest, DateTime Newest)?> NewestRoomsCreatedAsync(int rooms, CancellationToken cancellationToken);
}

/// <summary>One export's read. Read the erasure totals first, then the participants, then the rooms, then the other sheets; each only once.</summary>
public interface IResearchExportSession : IAsyncDisposable
{
    /// <summary>The erasures recorded as of this read: the manifest counts them, so a later export says why rows went.</summary>
    Task<ErasureTotals> ReadErasureTotalsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The study label the filter's session was given (its rooms carry it), whatever the other filters select; null when
    /// the filter names no session, or the session has no label or no room yet.
    /// </summary>
    Task<string?> ReadSessionStudyAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Every seated participant of the selected rooms, ordered by room code; within
    /// a room the order is unspecified. Rows without data consent carry nothing but their room and flag.
    /// Stopping the enumeration early stops the query.
    /// </summary>
    IAsyncEnumerable<SourceParticipant> ReadParticipantsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The selected rooms in the same order as the participants, with their rounds completed (consensus rows), and
    /// their participant counts (participants, participants exported) left at 0: the export fills those in from the participants.
    /// </summary>
    IAsyncEnumerable<RoomExportRow> ReadRoomsAsync(CancellationToken cancellationToken);

    /// <summary>A long-format sheet's rows, read by the sheet itself from this session's store and snapshot.</summary>
    IAsyncEnumerable<TRow> ReadSheetAsync<TRow>(ResearchSheet<TRow> sheet, CancellationToken cancellationToken);
}

/// <summary>
/// A seated participant as read; <see cref="Row"/> is null when they did not consent to research use.
/// <see cref="ConsentWithdrawn"/>: left out because they gave data consent and withdrew it (not because they never gave it).
/// </summary>
public readonly record struct SourceParticipant(string RoomCode, ParticipantExportRow? Row, bool ConsentWithdrawn = false);
