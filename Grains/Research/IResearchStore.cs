using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Research;

/// <summary>
/// The research tables (<c>rooms</c>, <c>room_participants</c>, <c>round_choices</c>,
/// <c>consensus_choices</c>): what researchers export. Every write is idempotent — keyed by the
/// tables' unique keys and carrying its final values — so a retry after a failure never
/// duplicates or double-counts a row. Every <see cref="DateTime"/> is UTC.
/// </summary>
public interface IResearchStore
{
    /// <summary>
    /// Inserts the room; false when a room with this code was ever recorded, unless that row is the
    /// same host's and still waiting: a creation that stopped after this write and before the room's
    /// state was written (the room grain asks only while it has none), which this one finishes in place.
    /// </summary>
    Task<bool> TryRecordRoomAsync(RoomRecord room, CancellationToken cancellationToken);

    /// <summary>Phase, round, host and timestamps of a room as they are now.</summary>
    Task RecordRoomProgressAsync(RoomProgress progress, CancellationToken cancellationToken);

    /// <summary>Seats (or re-seats) a participant.</summary>
    Task RecordParticipantAsync(string roomCode, long userId, string nickname, DateTime joinedAt, CancellationToken cancellationToken);

    Task RecordLeaveAsync(string roomCode, long userId, DateTime leftAt, CancellationToken cancellationToken);

    /// <summary>
    /// Closes a room recorded as waiting and created before <paramref name="createdBefore"/>, its seats left at
    /// <paramref name="closedAt"/>; true when it did. For a room whose creation wrote its rows and never its state: the room
    /// grain asks only while it has none, so the rows are all there is of it. A room in any other status is left alone.
    /// </summary>
    Task<bool> CloseUncreatedRoomAsync(string roomCode, DateTime createdBefore, DateTime closedAt, CancellationToken cancellationToken);

    /// <summary>
    /// Marks left, at <paramref name="leftAt"/>, the seats of a waiting room not left, joined before
    /// <paramref name="joinedBefore"/> and not <paramref name="seated"/>: those a join (or bot seating) recorded before its
    /// room's write failed, and that nobody ran again. The room says who is seated, so only it asks.
    /// </summary>
    Task ReleaseUnseatedAsync(string roomCode, IReadOnlyCollection<long> seated, DateTime joinedBefore, DateTime leftAt, CancellationToken cancellationToken);

    /// <summary>Sets every listed participant's role and clears the others'.</summary>
    Task RecordRolesAsync(string roomCode, IReadOnlyList<(long UserId, int RoleId)> roles, CancellationToken cancellationToken);

    /// <summary>
    /// The bots seated in a room as recorded (participants whose user is a bot, not left), oldest seat first, each with its
    /// role. A room reads them before it seats a bot: one recorded by a seating
    /// whose room write then failed is there and not in the room's state, and the seating run again takes it.
    /// </summary>
    Task<IReadOnlyList<RecordedBot>> ReadBotsAsync(string roomCode, CancellationToken cancellationToken);

    /// <summary>Inserts or revises a choice; the record carries its own revision number.</summary>
    Task RecordChoiceAsync(ChoiceRecord choice, CancellationToken cancellationToken);

    /// <summary>Each participant's latest choice for a round, as last recorded.</summary>
    Task<IReadOnlyList<ChoiceRecord>> ReadChoicesAsync(string roomCode, int roundNumber, CancellationToken cancellationToken);

    /// <summary>Inserts a round's consensus; recording the same round again changes nothing.</summary>
    Task RecordConsensusAsync(ConsensusRecord consensus, CancellationToken cancellationToken);

    /// <summary>A round's consensus as recorded, or null when it has none.</summary>
    Task<ConsensusRecord?> ReadConsensusAsync(string roomCode, int roundNumber, CancellationToken cancellationToken);

    /// <summary>A recording started or stopped, by whom and when.</summary>
    Task RecordRecordingEventAsync(string roomCode, long userId, string eventType, DateTime occurredAt, CancellationToken cancellationToken);

    /// <summary>
    /// The room's latest recording start or stop as recorded, or null when it has none: a change whose room write failed is in
    /// the rows before the room's state, and the room takes it as made rather than recording it again.
    /// </summary>
    Task<RecordingEventRecord?> ReadLastRecordingEventAsync(string roomCode, CancellationToken cancellationToken);

    /// <summary>
    /// One participant's summary of their voice links for one round (<c>connection_quality</c>), a row per link, all or
    /// none. False, and nothing stored, when one of these links was already reported for that round.
    /// </summary>
    Task<bool> RecordConnectionQualityAsync(IReadOnlyList<ConnectionQualityRecord> reports, CancellationToken cancellationToken);

    /// <summary>
    /// Questions, feedback or a bot's choice the AI facilitator produced for a room (<c>ai_interactions</c>). A bot's choice
    /// is one row per bot and round (<see cref="AiInteractionKind.OncePerRound"/>): a choice made again after a failed save
    /// replaces the row, as it replaces the choice's own.
    /// </summary>
    Task RecordAiInteractionAsync(AiInteractionRecord interaction, CancellationToken cancellationToken);

    /// <summary>
    /// A generated scenario with its provenance (<c>generated_scenarios</c>), written when it is generated and before
    /// a room can be created on it; one already recorded under its id (the same content) keeps its first row.
    /// </summary>
    Task RecordGeneratedScenarioAsync(GeneratedScenarioRow scenario, CancellationToken cancellationToken);

    /// <summary>
    /// A scenario's text as a room is created on it (<c>scenario_texts</c>), before the room's row names its hash; a text
    /// already recorded under its hash (the same words) keeps its first row, so thousands of rooms cost one row per text.
    /// </summary>
    Task RecordScenarioTextAsync(ScenarioText text, DateTime recordedAt, CancellationToken cancellationToken);

    /// <summary>
    /// What a started room adopts from its rows when it activates, in one read: changes whose room write failed are in the
    /// rows before the room's state. See <see cref="RoomActivationEvents"/>.
    /// </summary>
    Task<RoomActivationEvents> ReadActivationEventsAsync(string roomCode, CancellationToken cancellationToken);

    /// <summary>
    /// One event of a game's course (<c>room_events</c>); see <see cref="RoomEventType"/>. An event that happens once
    /// (<see cref="RoomEventType.HappensOnce"/>), or one that recurs recorded again with the same number
    /// (<see cref="RoomEventType.Recurs"/>), changes nothing: a call retried after a failed save repeats it.
    /// </summary>
    Task RecordRoomEventAsync(RoomEventRecord roomEvent, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps the SHA-256 of a seat's withdrawal code (see <c>WithdrawalCodes</c>), so the code can later find the user; true
    /// too when it is kept already. False, with nothing kept, when the seat's rows are gone (removed by retention, or erased
    /// by the person's withdrawal): the code would have nothing to withdraw, and its row would link them to the room again.
    /// </summary>
    Task<bool> RecordWithdrawalCodeAsync(string roomCode, long userId, byte[] codeSha256, DateTime issuedAt, CancellationToken cancellationToken);

    /// <summary>Public rooms in a status, newest first, with their current participant counts.</summary>
    Task<(IReadOnlyList<RoomRow> Rooms, long Total)> ListPublicRoomsAsync(string? topic, string status, long offset, int limit, CancellationToken cancellationToken);

    /// <summary>Codes of public waiting rooms with a free seat, fullest first, then oldest.</summary>
    Task<IReadOnlyList<string>> FindOpenPublicRoomsAsync(string? topic, int limit, CancellationToken cancellationToken);

    /// <summary>Codes of waiting rooms, public or private, created before <paramref name="createdBefore"/>, oldest first.</summary>
    Task<IReadOnlyList<string>> FindWaitingRoomsAsync(DateTime createdBefore, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Codes of started games with no row recorded since <paramref name="quietSince"/> (no join, leave, choice, consensus,
    /// room or recording event, AI interaction or link report), started longest ago first.
    /// </summary>
    Task<IReadOnlyList<string>> FindLeftGamesAsync(DateTime quietSince, int limit, CancellationToken cancellationToken);
}

/// <summary>
/// A new room's row; <paramref name="SessionCode"/> and <paramref name="StudyLabel"/> are its session's, null for a room opened by hand.
/// <paramref name="ScenarioSha256"/> names the text it plays (<see cref="ScenarioText"/>); null for a room recorded before texts were.
/// </summary>
public sealed record RoomRecord(string RoomCode, string Title, string Topic, bool IsPublic, long HostUserId, string ScenarioId, DateTime CreatedAt, string? SessionCode = null, string? StudyLabel = null, string? ScenarioSha256 = null);

public sealed record RoomProgress(string RoomCode, string Status, int CurrentRound, long HostUserId, DateTime? StartedAt, DateTime? FinishedAt);

/// <summary>A choice as recorded; <paramref name="Language"/> is the page's (<see cref="Interfaces.Rooms.PageLanguage"/>), null when not sent and for a bot's.</summary>
public sealed record ChoiceRecord(string RoomCode, long UserId, int RoundNumber, int Choice, int Confidence, int Revision, string? SubmissionId, DateTime At, bool IsBot = false, string? BotReason = null, string? Language = null);

/// <summary>A bot's seat in a room as recorded.</summary>
public sealed record RecordedBot(long UserId, string Nickname, int? RoleId, DateTime JoinedAt);

/// <summary>A consensus as recorded; <paramref name="Language"/> is the submitting page's, null when not sent.</summary>
public sealed record ConsensusRecord(string RoomCode, int RoundNumber, int Choice, int Confidence, long SubmittedBy, string? SubmissionId, DateTime At, string? Language = null);

/// <summary>
/// A row of <c>room_events</c>: <paramref name="UserId"/> is whom it is about, <paramref name="ActorId"/>
/// who made it happen (null when the server did), <paramref name="IsBot"/> whether a bot's seat produced it.
/// <paramref name="Occurrence"/> numbers an event that recurs (<see cref="RoomEventType.Recurs"/>) among its seat's: the
/// room keeps the count with its state, so a step run again after a failed save carries the number it had (null: not numbered).
/// </summary>
public sealed record RoomEventRecord(string RoomCode, string EventType, long? UserId, int? RoundNumber, long? ActorId, bool IsBot, DateTime At, int? Occurrence = null);

/// <summary>
/// A room's rows that its state may not count yet. <paramref name="EndedEarly"/>: its <c>ended_early</c> event as
/// recorded, or null. <paramref name="Reconnecting"/>: the seats whose last presence event (<c>participant_reconnecting</c>,
/// <c>participant_returned</c>, <c>participant_dropped</c>) is a <c>participant_reconnecting</c>, that event each, whose
/// grace the room re-arms from the recorded time.
/// </summary>
public sealed record RoomActivationEvents(RoomEventRecord? EndedEarly, IReadOnlyList<RoomEventRecord> Reconnecting);

/// <summary>
/// A row of <c>connection_quality</c>: what <paramref name="UserId"/>'s browser measured, over round <paramref name="RoundNumber"/>,
/// of its link to <paramref name="PeerUserId"/> (null once the peer's data is erased: the measures stay the reporter's). <paramref name="ConnectionState"/> is the <c>RTCPeerConnection</c>'s state word;
/// the measures are null when <c>getStats()</c> had none.
/// </summary>
public sealed record ConnectionQualityRecord(
    string RoomCode,
    long UserId,
    long? PeerUserId,
    int RoundNumber,
    string ConnectionState,
    bool Relayed,
    double? RoundTripMs,
    double? JitterMs,
    long? PacketsReceived,
    long? PacketsLost,
    DateTime ReportedAt);

/// <summary>
/// A row of <c>ai_interactions</c>: what the facilitator produced (<see cref="AiInteractionKind"/>), for whom
/// (<paramref name="UserId"/>; null when shown to the whole room), in which round (null for feedback on the whole game),
/// and its provenance. Build it with <see cref="From"/>, which cuts the provenance to the columns' sizes.
/// </summary>
public sealed record AiInteractionRecord(
    string RoomCode,
    long? UserId,
    string Kind,
    int? RoundNumber,
    DateTime At,
    string Provider,
    string? Model,
    string PromptVersion,
    bool FellBack,
    string? FallbackReason)
{
    public const int ModelMaxLength = 255;
    public const int PromptVersionMaxLength = 64;

    public static AiInteractionRecord From(string roomCode, long? userId, string kind, int? roundNumber, DateTime at, Interfaces.Ai.AiProvenance ai)
    {
        ArgumentNullException.ThrowIfNull(ai);
        return new(roomCode, userId, kind, roundNumber, at, ai.Provider, FitModel(ai.Model), FitPromptVersion(ai.PromptVersion), ai.FellBack, ai.FallbackReason);
    }

    /// <summary>The model name is whatever Ai:OpenAi:Model says (no bound of its own): a longer one is cut to the column rather than refused.</summary>
    public static string? FitModel(string? model) => model is { Length: > ModelMaxLength } ? model[..ModelMaxLength] : model;

    public static string FitPromptVersion(string version) => version.Length > PromptVersionMaxLength ? version[..PromptVersionMaxLength] : version;
}

/// <summary>A row of <c>generated_scenarios</c>: the scenario, who made it, when, and the SHA-256 of the model's answer (null offline).</summary>
public sealed record GeneratedScenarioRow(Interfaces.Scenarios.Scenario Scenario, Interfaces.Ai.AiProvenance Ai, DateTime GeneratedAt, string? RawAnswerSha256);

/// <summary>The words of the <c>ai_interactions.kind</c> column.</summary>
public static class AiInteractionKind
{
    /// <summary>A participant's role questions for a round.</summary>
    public const string Question = "question";

    /// <summary>Feedback on a round or the whole game, to a participant or (asked by a facilitator) to the room.</summary>
    public const string Feedback = "feedback";

    /// <summary>A bot seat's choice; the reason the model gave is <c>round_choices.bot_reason</c>.</summary>
    public const string BotChoice = "bot_choice";

    /// <summary>
    /// One row per seat and round: a bot chooses once a round, so a second record is the same choice made again (a call
    /// replayed after its room's save failed) and replaces the first. Questions and feedback are shown each time they are
    /// asked. MySQL's <c>ai_interactions.bot_choice_key</c> (migration <c>AiBotChoiceOnce</c>) draws the same line.
    /// </summary>
    public static bool OncePerRound(string kind) => kind == BotChoice;

    /// <summary>Whether <paramref name="again"/> is the record of <paramref name="recorded"/>'s interaction made again.</summary>
    public static bool SameInteraction(AiInteractionRecord recorded, AiInteractionRecord again) =>
        OncePerRound(again.Kind)
        && recorded.Kind == again.Kind
        && recorded.RoomCode == again.RoomCode
        && recorded.UserId == again.UserId
        && recorded.RoundNumber == again.RoundNumber;
}

/// <summary>A listed room. The count is a <c>long</c> because MySQL's COUNT is a BIGINT, and Dapper matches constructor parameters by type.</summary>
public sealed record RoomRow(string RoomCode, string Title, string Topic, string Status, long ParticipantCount, DateTime CreatedAt);

/// <summary>A row of <c>recording_events</c>: <paramref name="UserId"/> started or stopped the room's recording at <paramref name="At"/>.</summary>
public sealed record RecordingEventRecord(string RoomCode, long UserId, string EventType, DateTime At);

/// <summary>The words of the <c>recording_events.event_type</c> column.</summary>
public static class RecordingEventType
{
    public const string Started = "recording_started";
    public const string Stopped = "recording_stopped";
}

/// <summary>The words of the <c>room_events.event_type</c> column.</summary>
public static class RoomEventType
{
    /// <summary>A participant's last socket closed: the grace period (<c>Game:ReconnectGraceSeconds</c>) starts.</summary>
    public const string Reconnecting = "participant_reconnecting";

    /// <summary>A reconnecting or dropped participant has a socket open again.</summary>
    public const string Returned = "participant_returned";

    /// <summary>The grace period ran out (no actor), or the participant left the started game (actor: themselves).</summary>
    public const string Dropped = "participant_dropped";

    /// <summary>The host took a gone participant's seat out of the game.</summary>
    public const string Removed = "participant_removed";

    /// <summary>A round closed without this seat's choice because it was dropped or removed.</summary>
    public const string Absent = "absent";

    /// <summary>The choice deadline passed without this participant's choice: none is invented.</summary>
    public const string TimedOut = "timed_out";

    /// <summary>The consensus deadline passed without a consensus; the next round opened.</summary>
    public const string NoConsensus = "no_consensus";

    public const string HostChanged = "host_changed";

    public const string EndedEarly = "ended_early";

    /// <summary>A bot took a dropped participant's seat (<c>on_dropout: bot</c>); the row is marked <c>is_bot</c>.</summary>
    public const string BotJoined = "bot_joined";

    /// <summary>A session's facilitator (the actor) moved the participant out of this room to another room of the session.</summary>
    public const string MovedOut = "participant_moved_out";

    /// <summary>A session's facilitator (the actor) moved the participant into this room, into a free seat and its role.</summary>
    public const string MovedIn = "participant_moved_in";

    /// <summary>
    /// Events a seat (no_consensus: the room) has at most once in a round, and those a seat has at most once in a room (a
    /// removal, a move out, a move in, a bot's joining: a seat removed or moved stays so, and a room never seats a user
    /// twice) or the room once (its early end): the same event for the same room, seat and round (the latter: any round)
    /// is the one already recorded.
    /// MySQL's <c>room_events.once_key</c> (migration <c>RoomEventsOnce</c>) draws the same line.
    /// </summary>
    public static bool HappensOnce(string type) => OncePerRound(type) || OnceInRoom(type);

    /// <summary>
    /// Events a seat may have again and again (a reconnect, a return, a drop, taking the host role): each is recorded with
    /// its <see cref="RoomEventRecord.Occurrence"/>, and the same event with the same number is the one already recorded.
    /// </summary>
    public static bool Recurs(string type) => type is Reconnecting or Returned or Dropped or HostChanged;

    /// <summary>
    /// The key that makes an event the one already recorded, unique within its room; null for an event recorded each time
    /// (one that recurs without a number, rows written before numbers were). The same words as MySQL's generated
    /// <c>room_events.once_key</c> (migrations <c>RoomEventsOnce</c>, <c>RoomEventsOccurrence</c>), so both stores keep the same rows.
    /// </summary>
    public static string? OnceKey(RoomEventRecord roomEvent)
    {
        ArgumentNullException.ThrowIfNull(roomEvent);
        var type = roomEvent.EventType;
        return OncePerRound(type) ? Invariant($"{type}:{roomEvent.UserId}:{roomEvent.RoundNumber}")
            : OnceInRoom(type) ? Invariant($"{type}:{roomEvent.UserId}")
            : Recurs(type) && roomEvent.Occurrence is { } occurrence ? Invariant($"{type}:{roomEvent.UserId}:{occurrence}")
            : null;
    }

    private static bool OncePerRound(string type) => type is Absent or TimedOut or NoConsensus;

    private static bool OnceInRoom(string type) => type is Removed or MovedOut or MovedIn or BotJoined or EndedEarly;

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}

/// <summary>The status words of the <c>rooms.status</c> column: the phase words, and one more.</summary>
public static class RoomStatus
{
    public const string Waiting = RoomPhases.Waiting;
    public const string Started = RoomPhases.Started;
    public const string Finished = RoomPhases.Finished;

    /// <summary>Closed before it started (its last participant left, or it was abandoned): listed nowhere, exported as waiting.</summary>
    public const string Closed = "closed";
}
