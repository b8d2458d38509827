using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Gateway.Research;

/// <summary>Counts of the research tables, each from one query of one statement.</summary>
public sealed record ResearchCountsResponse(
    long Users,
    long Guests,
    long RegisteredUsers,
    long UsersWithDataConsent,
    RoomCountsResponse Rooms,
    long Participants,
    long ParticipantsLeft,
    long RoundChoices,
    long ConsensusChoices,
    long RecordingEvents,
    long Exports,
    DateTimeOffset CountedAt,
    long Bots,
    long BotSeats,
    long BotRoundChoices);

public sealed record RoomCountsResponse(long Total, long Waiting, long Started, long Finished);

/// <summary>
/// One entry of the export ledger. Its keys are the manifest sheet's keys, so a workbook's manifest can be
/// checked against the ledger key by key; requested_by is the name as it was then, requested_by_user_id the account.
/// </summary>
public sealed record ExportLedgerResponse(
    Guid ExportId,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt,
    string RequestedBy,
    long RequestedByUserId,
    string Format,
    DateTimeOffset? FilterFrom,
    DateTimeOffset? FilterTo,
    string? FilterTopic,
    string? FilterPhase,
    long ParticipantsRows,
    long RoomsRows,
    long ExcludedParticipants,
    string ParticipantsSha256,
    string RoomsSha256,
    string CanonicalForm,
    long Erasures,
    long ErasedRows,
    string? FilterSession,
    string? FilterStudy,
    IReadOnlyList<SheetSummary> Sheets,
    bool? Pseudonymised,
    string? PseudonymStudy,
    bool? NamesIncluded,
    string? CsvSheet,
    long? WithdrawnParticipants,
    string? SoftwareVersion,
    string? PseudonymKeyId);

/// <summary>The export's data sheets by name, in workbook order.</summary>
public sealed record ExportSheetsResponse(IReadOnlyList<string> Sheets);

public sealed record ExportLedgerPageResponse(IReadOnlyList<ExportLedgerResponse> Items, int Page, int PageSize, long Total);
