using Orleans.Concurrency;

namespace Dilemma.Grains.Interfaces.Research;

/// <summary>
/// Reads the export ledger back, so a dataset cited in a paper can be checked against what was exported.
/// Stateless; use key 0.
/// </summary>
public interface IResearchLedgerGrain : IGrainWithIntegerKey
{
    /// <summary>The ledger entry of one export; a <c>NotFound</c> rule violation if no export has this id.</summary>
    [ReadOnly]
    Task<ExportLedgerEntry> GetAsync(Guid exportId, CancellationToken cancellationToken = default);

    /// <summary>Ledger entries, most recently recorded first.</summary>
    [ReadOnly]
    Task<ExportLedgerPage> ListAsync(int page, int pageSize, CancellationToken cancellationToken = default);

    /// <summary>Erasures (withdrawals), most recently recorded first: when, how many rows, what asked; never who.</summary>
    [ReadOnly]
    Task<ErasureLedgerPage> ListErasuresAsync(int page, int pageSize, CancellationToken cancellationToken = default);
}

/// <summary>
/// What the export ledger keeps of one finished export: who took it, when, with which filters, and the
/// counts and digests its manifest sheet carries (every sheet's in <see cref="Sheets"/>, in workbook order; the participants and
/// rooms sheets' also in their own fields, as before there were more sheets), the erasures recorded before it read, and whom it
/// could name: whether its user ids were pseudonyms and for which study, and whether names went with them (null on exports
/// recorded before the ledger kept these). <see cref="CsvSheet"/> is the one sheet a csv export handed out: it reads the
/// participants and rooms sheets whichever it writes, so without it a csv of rooms and one of participants had the same entry.
/// <see cref="WithdrawnParticipants"/> counts the seats left out because their user withdrew data consent (null before it was kept).
/// <see cref="SoftwareVersion"/> is the build of the silo that read the rows (null before it was kept). <see cref="PseudonymKeyId"/>
/// fingerprints the key the pseudonyms were made with (null when not pseudonymised, and before it was kept). Times are UTC.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.export-ledger-entry")]
public sealed record ExportLedgerEntry(
    [property: Id(0)] Guid ExportId,
    [property: Id(1)] long RequestedBy,
    [property: Id(2)] string RequestedByName,
    [property: Id(3)] string Format,
    [property: Id(4)] ExportFilter Filter,
    [property: Id(5)] DateTime StartedAt,
    [property: Id(6)] DateTime CompletedAt,
    [property: Id(7)] long ParticipantRows,
    [property: Id(8)] long RoomRows,
    [property: Id(9)] long ExcludedParticipants,
    [property: Id(10)] string ParticipantsSha256,
    [property: Id(11)] string RoomsSha256,
    [property: Id(12)] string CanonicalForm,
    [property: Id(13)] long Erasures,
    [property: Id(14)] long ErasedRows,
    [property: Id(15)] IReadOnlyList<SheetSummary> Sheets,
    [property: Id(16)] bool? Pseudonymised,
    [property: Id(17)] string? PseudonymStudy,
    [property: Id(18)] bool? NamesIncluded,
    [property: Id(19)] string? CsvSheet = null,
    [property: Id(20)] long? WithdrawnParticipants = null,
    [property: Id(21)] string? SoftwareVersion = null,
    [property: Id(22)] string? PseudonymKeyId = null);

/// <summary>One page of the ledger; <see cref="Total"/> counts every entry.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.export-ledger-page")]
public sealed record ExportLedgerPage(
    [property: Id(0)] IReadOnlyList<ExportLedgerEntry> Items,
    [property: Id(1)] int Page,
    [property: Id(2)] int PageSize,
    [property: Id(3)] long Total);
