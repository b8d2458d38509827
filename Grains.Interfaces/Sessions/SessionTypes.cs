namespace Dilemma.Grains.Interfaces.Sessions;

/// <summary>A session's life: participants enrol while it is open, it is grouped into rooms when started, and closed at the end.</summary>
[GenerateSerializer]
public enum SessionStatus
{
    Open = 0,
    Started = 1,
    Closed = 2,
}

/// <summary>Who calls a session: their user id and the roles their access token carries. The session grain decides what that allows.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session-caller")]
public sealed record SessionCaller(
    [property: Id(0)] long UserId,
    [property: Id(1)] IReadOnlyList<string> Roles)
{
    public bool Has(string role) => Roles.Contains(role, StringComparer.Ordinal);
}

/// <summary>What a facilitator opens a session with; null fields take the defaults the README names.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session-settings")]
public sealed record SessionSettings(
    [property: Id(0)] string Title,
    [property: Id(1)] string? Topic,
    [property: Id(2)] string? ScenarioId,
    [property: Id(3)] string? Language,
    [property: Id(4)] int? ChoiceSeconds,
    [property: Id(5)] int? ConsensusSeconds,
    [property: Id(6)] string? OnDropout,
    [property: Id(7)] string? Voice,
    [property: Id(8)] bool BotsAllowed,
    [property: Id(9)] string? StudyLabel,
    [property: Id(10)] string? ConsentVersion,
    [property: Id(11)] string? RemainderRule);

/// <summary>A participant's enrolment: an optional nickname, the consents they accept now, and an optional grouping attribute.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session-enrolment")]
public sealed record SessionEnrolment(
    [property: Id(0)] string? Nickname,
    [property: Id(1)] string? ConsentVersion,
    [property: Id(2)] bool VoiceConsent,
    [property: Id(3)] string? Attribute);

/// <summary>Where an enrolled participant is: in the pool (no room yet) or seated in a room of the session.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session-seat")]
public sealed record SessionSeat(
    [property: Id(0)] string SessionCode,
    [property: Id(1)] long UserId,
    [property: Id(2)] SessionStatus Status,
    [property: Id(3)] string? RoomCode);

/// <summary>One room of a session, with who was seated in it by the session.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session-room")]
public sealed record SessionRoomView(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] IReadOnlyList<long> UserIds,
    [property: Id(2)] int Bots,
    [property: Id(3)] bool Started);

/// <summary>How the one or two left over at the start were handled: never silently.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session-remainder")]
public sealed record SessionRemainder(
    [property: Id(0)] string Rule,
    [property: Id(1)] IReadOnlyList<long> UserIds,
    [property: Id(2)] string Outcome,
    [property: Id(3)] IReadOnlyList<string> RoomCodes);

/// <summary>A session as its facilitators see it.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session-view")]
public sealed record SessionView(
    [property: Id(0)] string Code,
    [property: Id(1)] long FacilitatorId,
    [property: Id(2)] string Title,
    [property: Id(3)] string Topic,
    [property: Id(4)] string? ScenarioId,
    [property: Id(5)] string Language,
    [property: Id(6)] int? ChoiceSeconds,
    [property: Id(7)] int? ConsensusSeconds,
    [property: Id(8)] string OnDropout,
    [property: Id(9)] string Voice,
    [property: Id(10)] bool BotsAllowed,
    [property: Id(11)] string? StudyLabel,
    [property: Id(12)] string ConsentVersion,
    [property: Id(13)] string RemainderRule,
    [property: Id(14)] SessionStatus Status,
    [property: Id(15)] IReadOnlyList<long> Pool,
    [property: Id(16)] IReadOnlyList<SessionRoomView> Rooms,
    [property: Id(17)] SessionRemainder? Remainder,
    [property: Id(18)] string? WaitingRoom,
    [property: Id(19)] DateTimeOffset CreatedAt,
    [property: Id(20)] DateTimeOffset? StartedAt,
    [property: Id(21)] IReadOnlyList<SessionPoolMember> PoolMembers);

/// <summary>
/// The answer to a monitor's registration with its session: the session as it is, and whether the session knew the connection
/// already. It does not after the first call, and after it lost its registrations (deactivated, or its silo gone): then it
/// may have audited actions the monitor never heard of.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session-watch")]
public sealed record SessionWatch(
    [property: Id(0)] SessionView Session,
    [property: Id(1)] bool Known);

/// <summary>A student in the pool, as the facilitator's console names them while they wait for the start.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session-pool-member")]
public sealed record SessionPoolMember(
    [property: Id(0)] long UserId,
    [property: Id(1)] string? Nickname,
    [property: Id(2)] DateTimeOffset EnrolledAt);

/// <summary>A room the session opens: its settings, the people seated in it, bots to add, and whether it starts at once.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session-room-opening")]
public sealed record SessionRoomOpening(
    [property: Id(0)] string SessionCode,
    [property: Id(1)] long FacilitatorId,
    [property: Id(2)] string Title,
    [property: Id(3)] string Topic,
    [property: Id(4)] string? ScenarioId,
    [property: Id(5)] string OnDropout,
    [property: Id(6)] int? ChoiceSeconds,
    [property: Id(7)] int? ConsensusSeconds,
    [property: Id(8)] IReadOnlyList<SessionMember> Members,
    [property: Id(9)] int Bots,
    [property: Id(10)] bool Start,
    [property: Id(11)] string? StudyLabel = null);

/// <summary>A person the session seats in a room.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session-member")]
public sealed record SessionMember(
    [property: Id(0)] long UserId,
    [property: Id(1)] string? Nickname);
