using Dilemma.Grains.Interfaces.Sessions;

namespace Dilemma.Grains.Sessions;

// Stored as JSON in OrleansStorage: property names are the stored schema. Add properties
// freely; never rename or repurpose one.

/// <summary>A session's state (storage name <c>session</c>), written on every change.</summary>
[GenerateSerializer]
public sealed class SessionState
{
    [Id(0)]
    public bool Created { get; set; }

    [Id(1)]
    public long FacilitatorId { get; set; }

    [Id(2)]
    public string Title { get; set; } = string.Empty;

    [Id(3)]
    public string Topic { get; set; } = string.Empty;

    [Id(4)]
    public string? ScenarioId { get; set; }

    [Id(5)]
    public string Language { get; set; } = "ko";

    [Id(6)]
    public int? ChoiceSeconds { get; set; }

    [Id(7)]
    public int? ConsensusSeconds { get; set; }

    [Id(8)]
    public string OnDropout { get; set; } = string.Empty;

    [Id(9)]
    public string Voice { get; set; } = SessionRules.VoiceOptional;

    [Id(10)]
    public bool BotsAllowed { get; set; }

    [Id(11)]
    public string? StudyLabel { get; set; }

    [Id(12)]
    public string ConsentVersion { get; set; } = string.Empty;

    [Id(13)]
    public string RemainderRule { get; set; } = Interfaces.Sessions.RemainderRule.Wait;

    [Id(14)]
    public SessionStatus Status { get; set; }

    /// <summary>Everyone enrolled, in enrolment order; <see cref="SessionPoolEntry.RoomCode"/> once seated.</summary>
    [Id(15)]
    public List<SessionPoolEntry> Enrolled { get; set; } = [];

    [Id(16)]
    public List<SessionRoomState> Rooms { get; set; } = [];

    [Id(17)]
    public SessionRemainder? Remainder { get; set; }

    /// <summary>The room late arrivals (and a waiting remainder) are seated in until it has three; null when none is open.</summary>
    [Id(18)]
    public string? WaitingRoom { get; set; }

    [Id(19)]
    public DateTime CreatedAt { get; set; }

    [Id(20)]
    public DateTime? StartedAt { get; set; }

    /// <summary>
    /// The start under way: the grouping and each room's code, written before any room opens, so a start cut short
    /// (the process died) is finished with the very same rooms when the session is next activated. Null otherwise.
    /// </summary>
    [Id(21)]
    public SessionStartPlan? StartPlan { get; set; }

    /// <summary>
    /// A late arrival being seated in a new room: their enrolment, its <see cref="SessionPoolEntry.RoomCode"/> the code drawn
    /// for that room, written before the room opens. The room may open and this session's next write fail (or the call be
    /// cut off): the next enrolment, or the next activation, opens that very room again and records it, rather than a
    /// second room seating them. Null otherwise.
    /// </summary>
    [Id(22)]
    public SessionPoolEntry? LateArrival { get; set; }

    /// <summary>
    /// The audit keys of the keyed broadcasts and moves this session carried out, newest last (at most
    /// <c>SessionGrain.HandledActionsKept</c>): such an action sent again, its answer or its audit lost, is not carried out
    /// a second time (a broadcast shown twice, a move refused as <c>not_movable</c> and never audited) but answered and audited.
    /// </summary>
    [Id(23)]
    public List<string> HandledActions { get; set; } = [];
}

[GenerateSerializer]
public sealed class SessionStartPlan
{
    [Id(0)]
    public List<PlannedRoomState> Rooms { get; set; } = [];

    /// <summary>What the remainder rule did (null when the pool divided by three), to whom, and how many of the last rooms it shaped.</summary>
    [Id(1)]
    public string? RemainderOutcome { get; set; }

    [Id(2)]
    public List<long> Remainder { get; set; } = [];

    [Id(3)]
    public int RemainderRooms { get; set; }
}

[GenerateSerializer]
public sealed class PlannedRoomState
{
    /// <summary>Drawn before the room opens; opening again under it by the same session answers the room as it is.</summary>
    [Id(0)]
    public string Code { get; set; } = string.Empty;

    /// <summary>The room's number in its title ("Title · 2").</summary>
    [Id(1)]
    public int Number { get; set; }

    [Id(2)]
    public List<long> UserIds { get; set; } = [];

    [Id(3)]
    public int Bots { get; set; }

    [Id(4)]
    public bool Start { get; set; }
}

[GenerateSerializer]
public sealed class SessionPoolEntry
{
    [Id(0)]
    public long UserId { get; set; }

    [Id(1)]
    public string? Nickname { get; set; }

    [Id(2)]
    public string? Attribute { get; set; }

    [Id(3)]
    public DateTime EnrolledAt { get; set; }

    [Id(4)]
    public string? RoomCode { get; set; }

    /// <summary>
    /// The room a facilitator's move took them from to <see cref="RoomCode"/>, and that move's audit key
    /// (<c>facilitator_actions.once_key</c>); null when they sit where the start or their enrolment seated them. The same
    /// move sent again without a key finds itself done here: answered, and audited under the key, not refused.
    /// </summary>
    [Id(5)]
    public string? MovedFrom { get; set; }

    [Id(6)]
    public string? MoveKey { get; set; }

    /// <summary>
    /// The name the facilitator's console shows while they wait: the nickname given, else their account's (as a room seats
    /// them). Null for those enrolled before it was kept.
    /// </summary>
    [Id(7)]
    public string? Name { get; set; }
}

[GenerateSerializer]
public sealed class SessionRoomState
{
    [Id(0)]
    public string Code { get; set; } = string.Empty;

    [Id(1)]
    public List<long> UserIds { get; set; } = [];

    [Id(2)]
    public int Bots { get; set; }

    [Id(3)]
    public bool Started { get; set; }
}
