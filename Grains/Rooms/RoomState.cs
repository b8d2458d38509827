using System.Text.Json.Serialization;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;

namespace Dilemma.Grains.Rooms;

// Stored as JSON in OrleansStorage: property names are the stored schema. Add properties
// freely; never rename or repurpose one (a renamed property reads back as its default).

/// <summary>A room's live state (storage name <c>room</c>), written on every change.</summary>
[GenerateSerializer]
public sealed class RoomState
{
    [Id(0)]
    public bool Created { get; set; }

    [Id(1)]
    public string Code { get; set; } = string.Empty;

    [Id(2)]
    public string Title { get; set; } = string.Empty;

    [Id(3)]
    public string Topic { get; set; } = string.Empty;

    [Id(4)]
    public bool IsPublic { get; set; }

    [Id(5)]
    public RoomPhase Phase { get; set; }

    [Id(6)]
    public long HostUserId { get; set; }

    /// <summary>0 before the game starts, then the open round (1–5); stays 5 once finished.</summary>
    [Id(7)]
    public int CurrentRound { get; set; }

    [Id(8)]
    public List<ParticipantState> Participants { get; set; } = [];

    [Id(9)]
    public List<RoundState> Rounds { get; set; } = [];

    /// <summary>Receipts of recent submissions by (user, submission id), so retries replay them.</summary>
    [Id(10)]
    public List<SubmissionState> Submissions { get; set; } = [];

    [Id(11)]
    public string ScenarioId { get; set; } = string.Empty;

    [Id(12)]
    public DateTime CreatedAt { get; set; }

    [Id(13)]
    public DateTime? StartedAt { get; set; }

    [Id(14)]
    public DateTime? FinishedAt { get; set; }

    /// <summary>Goes up by one with every stored change, so clients can order updates.</summary>
    [Id(15)]
    public int Version { get; set; }

    [Id(16)]
    public bool IsRecording { get; set; }

    [Id(17)]
    public long? RecordingChangedBy { get; set; }

    [Id(18)]
    public DateTime? RecordingChangedAt { get; set; }

    /// <summary>
    /// When the room closed: its last participant left, or it waited with nobody connected for
    /// <c>Rooms:AbandonedAfterSeconds</c>. A closed room answers 404 to everyone and is never reopened.
    /// </summary>
    [Id(19)]
    public DateTime? ClosedAt { get; set; }

    /// <summary>The <c>on_dropout</c> policy (see <see cref="DropoutPolicy"/>); rooms stored before it had none and continue.</summary>
    [Id(20)]
    public string OnDropout { get; set; } = DropoutPolicy.Default;

    /// <summary>When the host ended the game before its last round, and who did.</summary>
    [Id(21)]
    public DateTime? EndedEarlyAt { get; set; }

    [Id(22)]
    public long? EndedEarlyBy { get; set; }

    /// <summary>The room's round timers: seconds for the individual choices, then for the consensus; null for no limit.</summary>
    [Id(23)]
    public int? ChoiceSeconds { get; set; }

    [Id(24)]
    public int? ConsensusSeconds { get; set; }

    /// <summary>The open round's running deadline, if any: <c>choice</c> or <c>consensus</c>, and when (UTC).</summary>
    [Id(25)]
    public string? DeadlineKind { get; set; }

    [Id(26)]
    public DateTime? DeadlineAt { get; set; }

    /// <summary>
    /// Since when the started game's clock has stood still, whatever holds it (a <c>wait</c> for a dropped participant,
    /// the session's facilitator, or both in turn); null while it runs.
    /// </summary>
    [Id(27)]
    public DateTime? PausedSince { get; set; }

    /// <summary>
    /// Answers of recent commands sent with an <c>Idempotency-Key</c>, oldest first, written with the
    /// change they answer (see RoomGrain.Idempotency.cs). A high id, clear of the ones above.
    /// </summary>
    [Id(40)]
    public List<IdempotentAnswerState> Answers { get; set; } = [];

    /// <summary>The session that opened the room (its join code), if any, and that session's facilitator. Ids from 60: clear of game-flow additions.</summary>
    [Id(60)]
    public string? SessionCode { get; set; }

    [Id(61)]
    public long? SessionFacilitatorId { get; set; }

    /// <summary>Since when the session's facilitator has paused the game; null while it runs.</summary>
    [Id(62)]
    public DateTime? FacilitatorPausedAt { get; set; }

    /// <summary>
    /// The audit key (<c>facilitator_actions.once_key</c>) of the pause or resume, the room's own or the whole session's, that
    /// left the game as it is; null when none has, or one made before keys were kept did. A pause of a paused room changes
    /// nothing, and is audited under this key: the row is there already, or the first's audit failed and this one writes it.
    /// </summary>
    [Id(63)]
    public string? FacilitatorPauseKey { get; set; }
}

[GenerateSerializer]
public sealed class IdempotentAnswerState
{
    /// <summary>"{userId}:{key}": a key is the user's own, per room.</summary>
    [Id(0)]
    public string Key { get; set; } = string.Empty;

    /// <summary>SHA-256 of the command the key was first used for: a different command under the same key is refused.</summary>
    [Id(1)]
    public string Fingerprint { get; set; } = string.Empty;

    [Id(2)]
    public RoomSnapshot? Answer { get; set; }
}

[GenerateSerializer]
public sealed class ParticipantState
{
    [Id(0)]
    public long UserId { get; set; }

    [Id(1)]
    public string Nickname { get; set; } = string.Empty;

    [Id(2)]
    public int? RoleId { get; set; }

    [Id(3)]
    public DateTime JoinedAt { get; set; }

    /// <summary>When the participant was dropped from the started game (grace ran out, or they left); null while taking part.</summary>
    [Id(4)]
    public DateTime? DroppedAt { get; set; }

    /// <summary>The host took the seat out of the game: it stays in the data, and its user cannot come back.</summary>
    [Id(5)]
    public bool Removed { get; set; }

    /// <summary>A bot's seat: its choices come from the facilitator (<see cref="Ai.IFacilitator.ChooseForBotAsync"/>), and its rows are marked is_bot.</summary>
    [Id(6)]
    public bool IsBot { get; set; }

    /// <summary>
    /// When the participant's last socket closed in the started game (null when connected, or not
    /// taking part): the grace runs from here. Stored so that a room activated again after its silo
    /// died re-arms the grace where it was, rather than leaving the participant present for ever.
    /// </summary>
    [Id(7)]
    public DateTime? ReconnectingSince { get; set; }

    /// <summary>
    /// Read only from states stored before codes were derived, which kept the code itself here: anyone who could read
    /// the grain storage could withdraw the seat. Activation drops it (<c>RoomGrain.DropStoredWithdrawalCodes</c>); the
    /// code stays valid in the database, and the next ask issues the derived one too. Never written again.
    /// </summary>
    [Id(8)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? WithdrawalCode { get; set; }

    /// <summary>The room of the same session the facilitator moved this participant to: the seat is out of the game, and its user cannot come back.</summary>
    [Id(9)]
    public string? MovedTo { get; set; }

    /// <summary>
    /// The SHA-256 of the withdrawal code last issued for this seat (the database keeps the same hash): asking again with
    /// it needs no database call, and a code derived under another key is told apart. A hash, never the code: this state
    /// is readable by whoever reads the grain storage, and a code there would let them erase the person's data.
    /// </summary>
    [Id(10)]
    public byte[]? WithdrawalCodeSha256 { get; set; }

    /// <summary>
    /// How many events that recur (<c>participant_reconnecting</c>, <c>participant_returned</c>, <c>participant_dropped</c>,
    /// <c>host_changed</c> to this seat) were recorded about the seat: the next one is numbered one more
    /// (<c>room_events.occurrence</c>). Stored with the change the event made, so a step run again after its save failed
    /// reads the count from before it and records the same number, which the rows already hold.
    /// </summary>
    [Id(11)]
    public int RecurringEvents { get; set; }
}

[GenerateSerializer]
public sealed class RoundState
{
    [Id(0)]
    public int RoundNumber { get; set; }

    [Id(1)]
    public List<ChoiceState> Choices { get; set; } = [];

    [Id(2)]
    public ConsensusState? Consensus { get; set; }

    /// <summary>The choice deadline passed: no more individual choices, the consensus is open with those present.</summary>
    [Id(3)]
    public bool ChoicesClosed { get; set; }

    /// <summary>The consensus deadline passed without one: the round closed as <c>no_consensus</c>.</summary>
    [Id(4)]
    public bool NoConsensus { get; set; }

    /// <summary>Seats recorded <c>timed_out</c> (taking part, no choice by the choice deadline): the session's results count them.</summary>
    [Id(5)]
    public List<long> TimedOut { get; set; } = [];

    /// <summary>Seats recorded <c>absent</c> when the round closed (dropped or removed, no choice).</summary>
    [Id(6)]
    public List<long> Absent { get; set; } = [];
}

[GenerateSerializer]
public sealed class ChoiceState
{
    [Id(0)]
    public long UserId { get; set; }

    [Id(1)]
    public int Choice { get; set; }

    [Id(2)]
    public int Confidence { get; set; }

    [Id(3)]
    public int Revision { get; set; }

    [Id(4)]
    public DateTime SubmittedAt { get; set; }

    /// <summary>A bot's choice only: where it came from, the sentence a model gave for it, and why the rule chose instead of a configured model.</summary>
    [Id(5)]
    public BotChoiceNote? Bot { get; set; }
}

[GenerateSerializer]
public sealed class BotChoiceNote
{
    [Id(0)]
    public string Provider { get; set; } = string.Empty;

    [Id(1)]
    public string? Reason { get; set; }

    [Id(2)]
    public string? FallbackReason { get; set; }
}

[GenerateSerializer]
public sealed class ConsensusState
{
    [Id(0)]
    public int Choice { get; set; }

    [Id(1)]
    public int Confidence { get; set; }

    [Id(2)]
    public long SubmittedBy { get; set; }

    [Id(3)]
    public DateTime RecordedAt { get; set; }
}

[GenerateSerializer]
public sealed class SubmissionState
{
    [Id(0)]
    public string Key { get; set; } = string.Empty;

    [Id(1)]
    public SubmissionReceipt? Receipt { get; set; }
}

/// <summary>What a submission id was used for; ids are scoped per operation, so each has its own receipts.</summary>
public enum SubmissionOperation
{
    Choice,
    Consensus,
}

/// <summary>The scenario a room was created on (storage name <c>room-scenario</c>), written once.</summary>
[GenerateSerializer]
public sealed class RoomScenarioState
{
    [Id(0)]
    public Scenario? Scenario { get; set; }
}
