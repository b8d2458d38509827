using Dilemma.Grains.Interfaces.Realtime;
using Orleans.Concurrency;

namespace Dilemma.Grains.Interfaces.Rooms;

/// <summary>
/// One room, keyed by its six-digit code: the only place its rules are decided. Calls run one at
/// a time, so capacity, roles and rounds hold under any number of concurrent requests. Every
/// acknowledged change is in the research tables before the call returns.
/// </summary>
public interface IRoomGrain : IGrainWithStringKey
{
    /// <summary>Opens the room with its creator as host; <c>room_exists</c> (409) when the code is in use.</summary>
    Task<RoomSnapshot> CreateAsync(RoomCreation creation, CancellationToken cancellationToken = default);

    /// <summary>The room; <c>room_not_found</c> (404) when no room has this code.</summary>
    [ReadOnly]
    Task<RoomSnapshot> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>The room with its scenario, whoever asks: for callers that have checked the asker themselves.</summary>
    [ReadOnly]
    Task<RoomDetails> GetDetailsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The room as <paramref name="viewer"/> may see it: in full for its participants, researchers
    /// (and the facilitator of its session); a public summary of a public room that is still
    /// waiting for anyone else; otherwise <c>room_not_found</c> (404), exactly as for an unknown code.
    /// </summary>
    [ReadOnly]
    Task<RoomView> ViewAsync(RoomViewer viewer, CancellationToken cancellationToken = default);

    /// <summary>Seats a participant; the same user again gets the same seat (rejoin).</summary>
    Task<RoomSnapshot> JoinAsync(long userId, string? nickname, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives up a seat before the game starts; a leaving host hands over to the participant who
    /// joined earliest. The last one out closes the room: it is unlisted and answers 404 from then on.
    /// In a started game, leaving is a dropout (recorded <c>participant_dropped</c> with the leaver as actor).
    /// </summary>
    Task<RoomSnapshot> LeaveAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>Host only: roles 1, 2, 3 once each, as given or at random.</summary>
    Task<RoomSnapshot> AssignRolesAsync(long callerId, IReadOnlyList<RoleAssignment>? assignments, CancellationToken cancellationToken = default);

    /// <summary>Host only, once roles are assigned: opens round 1.</summary>
    Task<RoomSnapshot> StartAsync(long callerId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a state-changing command once per (user, idempotency key): the key and the answer are
    /// stored in the same state write as the change, so a retry (even of a call whose answer was
    /// lost) gets the first answer and changes nothing. The same key with another command is
    /// <c>idempotency_key_reused</c> (422). A refused command (a rule violation) changed nothing
    /// and is not kept. The last <see cref="IdempotencyKeys.KeptPerRoom"/> answers are kept.
    /// </summary>
    Task<RoomSnapshot> RunOnceAsync(RoomCommand command, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Records (or revises) a participant's choice for the current round.</summary>
    Task<SubmissionReceipt> SubmitChoiceAsync(long userId, ChoiceSubmission submission, CancellationToken cancellationToken = default);

    /// <summary>Records the group's consensus once all three have chosen, and opens the next round or finishes the game.</summary>
    Task<SubmissionReceipt> SubmitConsensusAsync(long userId, ChoiceSubmission submission, CancellationToken cancellationToken = default);

    /// <summary>
    /// Per-round and whole-game figures, for those who see the room in full (see <see cref="ViewAsync"/>);
    /// <c>not_participant</c> (403) for others who may see its public summary, <c>room_not_found</c>
    /// (404) for everyone else. Individual choices of an open round stay hidden until its consensus.
    /// </summary>
    [ReadOnly]
    Task<RoomStatistics> GetStatisticsAsync(RoomViewer viewer, CancellationToken cancellationToken = default);

    /// <summary>
    /// Closes the room if it is still waiting and nobody has had a socket open to it for
    /// <c>Rooms:AbandonedAfterSeconds</c>; true when it closed. Called by the sweep over waiting rooms.
    /// </summary>
    Task<bool> CloseIfAbandonedAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Embedded mode's bound on what it keeps: an ended room (its game finished, or closed without one)
    /// clears its stored state and deactivates, and from then on answers like a code nobody opened.
    /// False, and nothing changes, for a room still waiting or in a game.
    /// </summary>
    Task<bool> ForgetAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// A participant's signaling socket joined (or renewed itself); the others present are told
    /// <c>peer_joined</c> when it is new. Answers the others present, with who is polite.
    /// </summary>
    Task<IReadOnlyList<PeerPresence>> JoinSignalingAsync(long userId, string connectionId, CancellationToken cancellationToken = default);

    /// <summary>The socket closed: if it is still the participant's current one, the others are told <c>peer_left</c>.</summary>
    Task LeaveSignalingAsync(long userId, string connectionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// A participant's peer grain registers for the room's membership pushes; answers who is
    /// seated. <c>not_participant</c> (403) for anyone not seated. Called by peer grains only.
    /// </summary>
    Task<RoomMembers> RegisterPeerAsync(long userId);

    /// <summary>
    /// Subscribes a new voice-session connection to the room's pushes: room updates, voice
    /// status, recording. One voice connection per user: an older one of the same user is told
    /// to close (replaced). Answers the session state <c>init</c> returns. Renew within two minutes.
    /// </summary>
    Task<VoiceSessionState> JoinVoiceAsync(long userId, string connectionId, IRoomObserver observer, CancellationToken cancellationToken = default);

    /// <summary>
    /// Renews a voice-session connection (re-subscribing it after the room was reactivated);
    /// null when a newer connection of the same user has replaced it.
    /// </summary>
    Task<VoiceSessionState?> RenewVoiceAsync(long userId, string connectionId, IRoomObserver observer, CancellationToken cancellationToken = default);

    Task LeaveVoiceAsync(long userId, string connectionId, CancellationToken cancellationToken = default);

    /// <summary>Host only: hands the host role to a seated participant who is not gone (<c>participant_gone</c>, 409).</summary>
    Task<RoomSnapshot> HandHostAsync(long callerId, long userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Host only, in a started game: takes the seat of a participant with no socket open (reconnecting,
    /// dropped, or never connected) out of the game; <c>participant_present</c> (409) while one is open.
    /// The seat stays in the data; its later rounds are recorded <c>absent</c>; a waiting room goes on.
    /// </summary>
    Task<RoomSnapshot> RemoveParticipantAsync(long callerId, long userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The caller's withdrawal code for this finished game (<c>WithdrawalCodes</c>): made on the first ask and the same
    /// on every later one, so the end screen can show it again. Not for a bot's seat. <c>room_not_finished</c> (409)
    /// before the end; <c>not_participant</c> (403) or <c>room_not_found</c> (404) for others.
    /// </summary>
    Task<string> GetWithdrawalCodeAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>Host only, in a started game: finishes it now, recorded as ended early with who and when.</summary>
    Task<RoomSnapshot> EndEarlyAsync(long callerId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Host only, before the start: seats one or two bots (invalid_bots otherwise, room_full past three seats).
    /// Bots choose as soon as each round opens and never submit the consensus.
    /// </summary>
    Task<RoomSnapshot> AddBotsAsync(long callerId, int count, CancellationToken cancellationToken = default);

    /// <summary>
    /// The state of one of the caller's WebRTC links (to <paramref name="peerUserId"/>), as their browser last reported it:
    /// presence data for the session monitor, kept in memory only (latest per user and peer), never a research row.
    /// <c>invalid_message</c> (422) for a peer not seated in the room or the caller themselves, or a state not in <see cref="VoiceLinkStates"/>.
    /// </summary>
    Task ReportLinkStateAsync(long userId, long peerUserId, string state, bool relayed);

    /// <summary>A participant's microphone state, passed on to the others.</summary>
    Task UpdateVoiceStatusAsync(long userId, bool isMicOn, bool isSpeaking);

    /// <summary>
    /// Stores a seated participant's per-link summary of a round (one <c>connection_quality</c> row per link):
    /// the round must have opened (<c>wrong_round</c>, 409), each peer must be another participant of the room
    /// (<c>invalid_peer</c>, 422), and a participant reports a round once (<c>already_reported</c>, 409).
    /// </summary>
    Task RecordLinkQualityAsync(long userId, int roundNumber, IReadOnlyList<LinkQuality> links, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts or stops the room's recording; only participants with voice consent may
    /// (<c>voice_consent_required</c>, 403). Each change is a timestamped research event.
    /// Starting what is started (or stopping what is stopped) changes and records nothing; a
    /// participant changes it at most once a second (<c>rate_limited</c>).
    /// </summary>
    Task<RecordingState> SetRecordingAsync(long userId, bool recording, CancellationToken cancellationToken = default);
}
