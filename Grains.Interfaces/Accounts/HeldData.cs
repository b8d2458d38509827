namespace Dilemma.Grains.Interfaces.Accounts;

/// <summary>
/// Everything the system holds about one user, as <c>GET /auth/me/data</c> answers it: the account, every consent
/// row, the role audit, and the research rows (seats, choices with their revisions, consensus they submitted,
/// recording events they caused). Refresh tokens are left out: only their hashes are stored, and they are
/// credentials, not data about the person.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.held-data")]
public sealed record HeldData(
    [property: Id(0)] UserProfile User,
    [property: Id(1)] IReadOnlyList<ConsentEntry> Consents,
    [property: Id(2)] IReadOnlyList<RoleChange> RoleChanges,
    [property: Id(3)] HeldResearchData Research);

/// <summary>One consent row: kind <c>data</c> or <c>voice</c>, the text version, granted or withdrawn, when.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.consent-entry")]
public sealed record ConsentEntry(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Version,
    [property: Id(2)] bool Granted,
    [property: Id(3)] DateTimeOffset At);

/// <summary>A user's rows in the research tables.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.held-research-data")]
public sealed record HeldResearchData(
    [property: Id(0)] IReadOnlyList<HeldSeat> Seats,
    [property: Id(1)] IReadOnlyList<HeldChoice> Choices,
    [property: Id(2)] IReadOnlyList<HeldConsensus> ConsensusSubmitted,
    [property: Id(3)] IReadOnlyList<HeldRecordingEvent> RecordingEvents);

[GenerateSerializer]
[Immutable]
[Alias("dilemma.held-seat")]
public sealed record HeldSeat(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] string Nickname,
    [property: Id(2)] int? RoleId,
    [property: Id(3)] DateTimeOffset JoinedAt,
    [property: Id(4)] DateTimeOffset? LeftAt);

[GenerateSerializer]
[Immutable]
[Alias("dilemma.held-choice")]
public sealed record HeldChoice(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] int RoundNumber,
    [property: Id(2)] int Choice,
    [property: Id(3)] int Confidence,
    [property: Id(4)] int Revision,
    [property: Id(5)] DateTimeOffset At);

[GenerateSerializer]
[Immutable]
[Alias("dilemma.held-consensus")]
public sealed record HeldConsensus(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] int RoundNumber,
    [property: Id(2)] int Choice,
    [property: Id(3)] int Confidence,
    [property: Id(4)] DateTimeOffset At);

[GenerateSerializer]
[Immutable]
[Alias("dilemma.held-recording-event")]
public sealed record HeldRecordingEvent(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] string EventType,
    [property: Id(2)] DateTimeOffset At);
