using Orleans.Concurrency;

namespace Dilemma.Grains.Interfaces.Rooms;

/// <summary>
/// A room's game: its seats, roles, rounds, choices and figures, decided by the room grain keyed by
/// the six-digit code. Calls run one at a time, so capacity, roles and rounds hold under any number of
/// concurrent requests. Every acknowledged change is in the research tables before the call returns.
/// </summary>
public interface IRoomGame : IGrainWithStringKey
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

    /// <summary>
    /// Seats a participant; the same user again gets the same seat (rejoin). A session's room seats only whom its session
    /// sends from its enrolments: to anyone else it is <c>room_not_found</c>, as a private game under way is.
    /// </summary>
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

    /// <summary>
    /// Records (or revises) a participant's choice for the current round. A <see cref="ChoiceSubmission.SubmissionId"/> the
    /// user sent before answers the first receipt (<c>Replayed</c>) when the round, choice and confidence are the same, and is
    /// <c>idempotency_key_reused</c> (422, field <c>submission_id</c>) when they are not; consensus ids are kept apart.
    /// </summary>
    Task<SubmissionReceipt> SubmitChoiceAsync(long userId, ChoiceSubmission submission, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the group's consensus once all three have chosen, and opens the next round or finishes the game; its
    /// submission id replays or is refused as <see cref="SubmitChoiceAsync"/>'s.
    /// </summary>
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
    /// <c>Rooms:AbandonedAfterSeconds</c>; true when it closed. Called by the sweep over waiting rooms. A room whose
    /// creation wrote its rows and never its state closes them; a room that stays marks left the seats recorded
    /// that long ago and that it does not have.
    /// </summary>
    Task<bool> CloseIfAbandonedAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends a started game everyone has left, as the host's end would (finished early, recorded with no actor), if nobody
    /// has had a socket open to it and nothing has changed in it for <c>Rooms:LeftGameEndsAfterSeconds</c>; true when it
    /// ended. Called by the sweep over started games with no research row that recent.
    /// </summary>
    Task<bool> EndIfLeftAsync(CancellationToken cancellationToken = default);

    /// <summary>Host only: hands the host role to a seated participant who is not gone (<c>participant_gone</c>, 409).</summary>
    Task<RoomSnapshot> HandHostAsync(long callerId, long userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Host only, in a started game: takes the seat of a participant with no socket open (reconnecting,
    /// dropped, or never connected) out of the game; <c>participant_present</c> (409) while one is open.
    /// The seat stays in the data; its later rounds are recorded <c>absent</c>; a waiting room goes on.
    /// </summary>
    Task<RoomSnapshot> RemoveParticipantAsync(long callerId, long userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Issues the caller's withdrawal code for this finished game, given as its SHA-256 (<c>WithdrawalCodes.Hash</c>): the
    /// gateway derives the code (<c>WithdrawalCodes.Derive</c>), so the room never holds one, in memory or in storage, and
    /// only shows it once this returns. The same hash again changes nothing; another one (the gateways' key changed) is
    /// issued as well, and earlier codes stay valid. Not for a bot's seat. <c>room_not_finished</c> (409) before the end;
    /// <c>research_data_removed</c> (410) when the seat's research rows are gone (retention, or a withdrawal) and this
    /// code was never issued; <c>not_participant</c> (403) or <c>room_not_found</c> (404) for others.
    /// </summary>
    Task IssueWithdrawalCodeAsync(long userId, byte[] codeSha256, CancellationToken cancellationToken = default);

    /// <summary>
    /// After the user's research rows were erased (a withdrawal): a finished room's stored state forgets them too, their
    /// choices, nickname and the receipts and answers that carried them; the seat stays, empty, so the room's rounds still add up.
    /// Nothing for a room that is not finished (erasure refuses while a game can still record the user) or that never seated them.
    /// </summary>
    Task ForgetWithdrawnAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Embedded mode's bound on what it keeps: an ended room (its game finished, or closed without one), or a game left
    /// unfinished (no socket open and no change for <c>Rooms:AbandonedAfterSeconds</c>), clears its stored state and
    /// deactivates, and from then on answers like a code nobody opened. False, and nothing changes, for a room still
    /// waiting or a game someone is in.
    /// </summary>
    Task<bool> ForgetAsync(CancellationToken cancellationToken = default);

    /// <summary>Host only, in a started game: finishes it now, recorded as ended early with who and when.</summary>
    Task<RoomSnapshot> EndEarlyAsync(long callerId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Host only, before the start: seats one or two bots (invalid_bots otherwise, room_full past three seats).
    /// Bots choose as soon as each round opens and never submit the consensus.
    /// </summary>
    Task<RoomSnapshot> AddBotsAsync(long callerId, int count, CancellationToken cancellationToken = default);
}
