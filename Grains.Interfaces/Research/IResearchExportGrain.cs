using Dilemma.Grains.Interfaces.Rooms;
using Orleans.Concurrency;

namespace Dilemma.Grains.Interfaces.Research;

/// <summary>
/// One research export, keyed by its export id (a new <see cref="Guid"/> per export). The rows stream
/// out of one database read as <see cref="ExportChunk"/>s: <see cref="ExportStarted"/> first, then the
/// participant rows, then the room rows, then <see cref="ExportCompleted"/> with counts and hashes. A
/// keyed grain rather than a stateless worker: every call of one enumeration must reach the activation
/// that holds its enumerator, and a stateless worker may answer each call from another activation.
/// </summary>
public interface IResearchExportGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Streams the export. Stopping the enumeration (or cancelling <paramref name="cancellationToken"/>)
    /// stops the database query. The export is written to the export ledger once its last row is read.
    /// </summary>
    IAsyncEnumerable<ExportChunk> ExportAsync(ExportRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// For a paced export (<see cref="ExportRequest.MaxStall"/> above zero): lets the stream hand out its items up
    /// to and including the <paramref name="items"/>-th (<see cref="ExportStarted"/> is the first and is never held
    /// back). The reader calls it once it has written an item, so the next one, read meanwhile, waits in the silo.
    /// </summary>
    [OneWay]
    [AlwaysInterleave]
    Task AllowAsync(long items);
}

/// <summary>
/// Which rooms an export covers; null means no restriction. <see cref="To"/> is exclusive. <see cref="SessionCode"/>
/// and <see cref="StudyLabel"/> select the rooms a session opened, by its code or by the study label it was given.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.export-filter")]
public sealed record ExportFilter(
    [property: Id(0)] DateTimeOffset? From,
    [property: Id(1)] DateTimeOffset? To,
    [property: Id(2)] string? Topic,
    [property: Id(3)] RoomPhase? Phase,
    [property: Id(4)] string? SessionCode = null,
    [property: Id(5)] string? StudyLabel = null)
{
    /// <summary>True for a session code as sessions make them: upper case (the gateway upper-cases what was typed).</summary>
    public static bool IsSessionCode(string code) =>
        code is { Length: Sessions.SessionRules.CodeLength } && code.All(c => Sessions.SessionRules.CodeAlphabet.Contains(c, StringComparison.Ordinal));
}

/// <summary>
/// An export as the researcher asked for it. <see cref="MaxStall"/> above zero makes the export paced: each item
/// after the first waits in the silo until the reader allows it (<see cref="IResearchExportGrain.AllowAsync"/>),
/// at most this long, after which the export fails and its query ends. Zero (what readers without pacing send)
/// hands items out as soon as they are read. <see cref="OnlySheet"/> (a CSV of one sheet) leaves out the long-format
/// sheets other than it; participants and rooms are always read, since the ledger records them. <see cref="WarmUp"/>
/// marks the gateway's start-up run (never a researcher's): the silo replaces its filter with the newest rooms'
/// window, and it is read and handed out as any export, but writes no ledger row and is not logged as an export.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.export-request")]
public sealed record ExportRequest(
    [property: Id(0)] ExportFilter Filter,
    [property: Id(1)] long RequestedBy,
    [property: Id(2)] string RequestedByName,
    [property: Id(3)] string Format,
    [property: Id(4)] int RowsPerChunk,
    [property: Id(5)] TimeSpan MaxStall = default,
    [property: Id(6)] string? OnlySheet = null,
    [property: Id(7)] bool IncludeNicknames = false,
    [property: Id(8)] bool WarmUp = false);

/// <summary>One item of an export stream.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.export-chunk")]
public abstract record ExportChunk;

/// <summary>The first item: the export exists and its read has begun.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.export-started")]
public sealed record ExportStarted(
    [property: Id(0)] Guid ExportId,
    [property: Id(1)] DateTimeOffset StartedAt) : ExportChunk;

/// <summary>
/// Consecutive rows of one data sheet, in sheet order. Every sheet of <see cref="ExportSheets.All"/> sends at
/// least one (possibly empty, so a reader learns of a sheet with no rows), all of a sheet's before the next sheet's.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.sheet-rows")]
public abstract record SheetRows(
    [property: Id(0)] string Sheet) : ExportChunk
{
    public abstract int Count { get; }

    /// <summary>Fills <paramref name="cells"/> (one per column of the sheet) with the values of the <paramref name="index"/>-th row.</summary>
    public abstract void Read(int index, Span<ExportValue> cells);
}

/// <summary>Rows of a sheet whose rows are <typeparamref name="TRow"/>; its columns are looked up by name in <see cref="ExportSheets"/>.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.sheet-rows`1")]
public sealed record SheetRows<TRow> : SheetRows
{
    public SheetRows(string sheet, TRow[] rows)
        : base(sheet) => Rows = rows;

    [Id(0)]
    public TRow[] Rows { get; init; }

    // Not serialized: found again on the reading side from the sheet's name.
    [NonSerialized]
    private ExportSheet<TRow>? _sheet;

    public override int Count => Rows.Length;

    public override void Read(int index, Span<ExportValue> cells)
    {
        _sheet ??= ExportSheets.Find(Sheet) as ExportSheet<TRow>
            ?? throw new InvalidOperationException($"Rows of {typeof(TRow).Name} came for sheet '{Sheet}', which is not a sheet of such rows.");
        _sheet.Read(Rows[index], cells);
    }
}

/// <summary>One data sheet as the manifest lists it: its rows (the header not counted) and the SHA-256 of its canonical form.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.sheet-summary")]
public sealed record SheetSummary(
    [property: Id(0)] string Sheet,
    [property: Id(1)] long Rows,
    [property: Id(2)] string Sha256);

/// <summary>The last item: what was exported, as the export ledger records it.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.export-completed")]
public sealed record ExportCompleted(
    [property: Id(0)] Guid ExportId,
    [property: Id(1)] DateTimeOffset StartedAt,
    [property: Id(2)] DateTimeOffset CompletedAt,
    [property: Id(3)] long ParticipantRows,
    [property: Id(4)] long RoomRows,
    [property: Id(5)] long ExcludedParticipants,
    [property: Id(6)] string ParticipantsSha256,
    [property: Id(7)] string RoomsSha256,
    [property: Id(8)] string CanonicalForm,
    [property: Id(9)] long Erasures,
    [property: Id(10)] long ErasedRows,
    [property: Id(11)] IReadOnlyList<SheetSummary> Sheets,
    [property: Id(12)] bool Pseudonymised = false,
    [property: Id(13)] string? PseudonymStudy = null,
    [property: Id(14)] bool NamesIncluded = true,
    [property: Id(15)] long WithdrawnParticipants = 0,
    [property: Id(16)] string? SoftwareVersion = null,
    [property: Id(17)] string? PseudonymKeyId = null) : ExportChunk;

/// <summary>
/// One consenting participant of one room. <see cref="Answers"/> holds 20 bytes: for rounds 1 to 5 in
/// turn, the participant's choice, their confidence, the room's consensus choice and its confidence;
/// <see cref="ExportValue.NoAnswer"/> where there is none. Times are UTC, truncated to milliseconds. The
/// consent versions and times are those of the consents held at the export (voice ones null without voice consent).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.participant-export-row")]
public sealed record ParticipantExportRow(
    [property: Id(0)] long UserId,
    [property: Id(1)] string? Username,
    [property: Id(2)] bool IsGuest,
    [property: Id(3)] bool VoiceConsent,
    [property: Id(4)] string RoomCode,
    [property: Id(5)] string Topic,
    [property: Id(6)] RoomPhase Phase,
    [property: Id(7)] int? RoleId,
    [property: Id(8)] string? Nickname,
    [property: Id(9)] DateTime JoinedAt,
    [property: Id(10)] byte[] Answers,
    [property: Id(11)] string? DataConsentVersion,
    [property: Id(12)] DateTime? DataConsentAt,
    [property: Id(13)] string? VoiceConsentVersion,
    [property: Id(14)] DateTime? VoiceConsentAt,
    [property: Id(15)] bool IsBot = false);

/// <summary>One room matching the filters, whatever its participants consented to.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.room-export-row")]
public sealed record RoomExportRow(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] string Topic,
    [property: Id(2)] string? ScenarioId,
    [property: Id(3)] bool IsPublic,
    [property: Id(4)] RoomPhase Phase,
    [property: Id(5)] DateTime CreatedAt,
    [property: Id(6)] DateTime? StartedAt,
    [property: Id(7)] DateTime? FinishedAt,
    [property: Id(8)] int RoundsCompleted,
    [property: Id(9)] int Participants,
    [property: Id(10)] int ParticipantsExported,
    [property: Id(11)] string? SessionCode = null,
    [property: Id(12)] string? StudyLabel = null,
    [property: Id(13)] string? ScenarioSha256 = null);
