namespace Dilemma.Grains.Interfaces.Accounts;

/// <summary>
/// Everything the system holds about one user, as <c>GET /auth/me/data</c> answers it: the account, every consent
/// row, the role audit, and the research rows (seats, choices with their revisions, consensus they submitted,
/// recording events they caused, room events and facilitator actions about them). Refresh tokens are left out: only their hashes are stored, and they are
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

/// <summary>
/// A user's rows in the research tables. <see cref="ConnectionQuality"/>, <see cref="AiInteractions"/>, <see cref="ChoiceSubmissions"/>,
/// <see cref="RoomEvents"/> and <see cref="FacilitatorActions"/> came later, hence their ids after the first four. <see cref="Choices"/> holds each round's last choice (what the game reads),
/// <see cref="ChoiceSubmissions"/> every submission of it, revisions included (what the decisions sheet exports).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.held-research-data")]
public sealed record HeldResearchData(
    [property: Id(0)] IReadOnlyList<HeldSeat> Seats,
    [property: Id(1)] IReadOnlyList<HeldChoice> Choices,
    [property: Id(2)] IReadOnlyList<HeldConsensus> ConsensusSubmitted,
    [property: Id(3)] IReadOnlyList<HeldRecordingEvent> RecordingEvents,
    [property: Id(4)] IReadOnlyList<HeldConnectionQuality> ConnectionQuality,
    [property: Id(5)] IReadOnlyList<HeldAiInteraction> AiInteractions,
    [property: Id(6)] IReadOnlyList<HeldChoice> ChoiceSubmissions,
    [property: Id(7)] IReadOnlyList<HeldRoomEvent> RoomEvents,
    [property: Id(8)] IReadOnlyList<HeldFacilitatorAction> FacilitatorActions);

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
    [property: Id(5)] DateTimeOffset At,
    [property: Id(6)] string? Language = null);

[GenerateSerializer]
[Immutable]
[Alias("dilemma.held-consensus")]
public sealed record HeldConsensus(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] int RoundNumber,
    [property: Id(2)] int Choice,
    [property: Id(3)] int Confidence,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] string? Language = null);

[GenerateSerializer]
[Immutable]
[Alias("dilemma.held-recording-event")]
public sealed record HeldRecordingEvent(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] string EventType,
    [property: Id(2)] DateTimeOffset At);

/// <summary>
/// One of the user's voice-link summaries (<c>connection_quality</c>, where they are the reporter). The peer is left
/// out: who sat at the other end of the link is that person's data, not the caller's.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.held-connection-quality")]
public sealed record HeldConnectionQuality(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] int RoundNumber,
    [property: Id(2)] string ConnectionState,
    [property: Id(3)] bool Relayed,
    [property: Id(4)] double? RoundTripMs,
    [property: Id(5)] double? JitterMs,
    [property: Id(6)] long? PacketsReceived,
    [property: Id(7)] long? PacketsLost,
    [property: Id(8)] DateTimeOffset At);

/// <summary>
/// What the AI facilitator put before the user (<c>ai_interactions</c> with their id): questions, feedback, or a
/// bot's choice, with its provenance. Feedback shown to the whole room names nobody and is not listed.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.held-ai-interaction")]
public sealed record HeldAiInteraction(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] string Kind,
    [property: Id(2)] int? RoundNumber,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] string Provider,
    [property: Id(5)] string? Model,
    [property: Id(6)] string PromptVersion,
    [property: Id(7)] bool FellBack,
    [property: Id(8)] string? FallbackReason);

/// <summary>
/// A <c>room_events</c> row about the user (dropped, timed out, absent, removed...): the export carries these as rows about
/// them. Who made it happen (<c>actor_id</c>) is left out: that is the actor's data, and often the server.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.held-room-event")]
public sealed record HeldRoomEvent(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] string EventType,
    [property: Id(2)] int? RoundNumber,
    [property: Id(3)] DateTimeOffset At);

/// <summary>
/// A <c>facilitator_actions</c> row about the user, with the reason the facilitator gave. Which facilitator acted is left
/// out: staff acting in that role, not data about the participant. The room is null for an action on no room.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.held-facilitator-action")]
public sealed record HeldFacilitatorAction(
    [property: Id(0)] string? RoomCode,
    [property: Id(1)] string Action,
    [property: Id(2)] string? Reason,
    [property: Id(3)] DateTimeOffset At);
