using Dilemma.Grains.Interfaces.Rooms;
using Orleans.Concurrency;

namespace Dilemma.Grains.Interfaces.Sessions;

/// <summary>
/// A room as a session uses it: the same room grain (keyed by the room code) behind the interface
/// only the session grain calls. The room never calls its session back, so the two cannot deadlock.
/// </summary>
public interface IFacilitatedRoomGrain : IGrainWithStringKey
{
    /// <summary>
    /// Opens the room for a session with its members seated (the first is host), bots added, and, when
    /// asked, roles dealt at random and round 1 open. Asked again by the same session it finishes what an opening cut
    /// short left undone (a member or bot not seated, the game not started) and answers the room.
    /// </summary>
    Task<RoomSnapshot> OpenForSessionAsync(SessionRoomOpening opening, CancellationToken cancellationToken = default);

    /// <summary>
    /// Seats a late arrival in the session's waiting room; the third seated starts it (roles dealt at random). Null when the
    /// room closed (its last participant left, or nobody was connected for <c>Rooms:AbandonedAfterSeconds</c>); the room
    /// as it is, without the member, when its host started it: either way the session seats them in a new waiting room.
    /// </summary>
    Task<RoomSnapshot?> SeatForSessionAsync(string sessionCode, SessionMember member, CancellationToken cancellationToken = default);

    /// <summary>
    /// Pauses or resumes a started game: a paused room refuses choices and consensus (<c>room_paused</c>, 409) and its
    /// deadline stands still; on resume the deadline moves on by the time paused. Pausing what is paused changes nothing.
    /// Answers the audit key of the pause or resume that left the room as it is: <paramref name="onceKey"/> when this call
    /// changed it (stored with the change), the earlier call's when it did not (null for a whole session's, which passes none).
    /// </summary>
    Task<string?> PauseForSessionAsync(string sessionCode, bool paused, string? onceKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves the running deadline later by <paramref name="seconds"/>; <c>no_deadline</c> (409) when none runs. Under an
    /// <paramref name="idempotencyKey"/> (of <paramref name="actorId"/>'s request) it is done once: sent again, it answers
    /// as the first time and moves nothing (<c>idempotency_key_reused</c>, 422, for the same key with other seconds).
    /// </summary>
    Task<RoomSnapshot> ExtendDeadlineForSessionAsync(string sessionCode, int seconds, long actorId, string? idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Takes a gone participant's seat out of the started game (<c>participant_present</c>, 409, while a socket of theirs is open).</summary>
    /// <remarks>Under an <paramref name="idempotencyKey"/>, as an extension: done once, sent again it answers as the first time.</remarks>
    Task<RoomSnapshot> RemoveForSessionAsync(string sessionCode, long userId, long actorId, string? idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// A bot takes the role of a participant no longer in the game (dropped or removed), whatever the room's
    /// <c>on_dropout</c>; the seat is given away (removed, by <paramref name="actorId"/>), so its user cannot come back to
    /// play the role beside the bot. <c>participant_present</c> (409) while they still take part, <c>seat_filled</c> (409)
    /// when someone else plays the role already (a bot, or a participant moved in). Under an <paramref name="idempotencyKey"/>,
    /// as an extension: done once, sent again it answers as the first time rather than <c>seat_filled</c>.
    /// </summary>
    Task<RoomSnapshot> FillSeatWithBotForSessionAsync(string sessionCode, long userId, long actorId, string? idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends a started game now, recorded as ended early by <paramref name="actorId"/> (the facilitator). A game this actor
    /// ended already answers as it is: the same end sent again, whose answer (or audit) was lost, is not refused.
    /// </summary>
    Task<RoomSnapshot> EndForSessionAsync(string sessionCode, long actorId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Pushes the facilitator's <paramref name="message"/> to every voice socket of the room (one-way), in any phase.
    /// Nothing is stored by the room: the session audits it.
    /// </summary>
    Task BroadcastForSessionAsync(string sessionCode, string message, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The room as it is, for its session (a move checks its source with it).</summary>
    [ReadOnly]
    Task<RoomSnapshot> GetForSessionAsync(string sessionCode, CancellationToken cancellationToken = default);

    /// <summary>
    /// Seats a participant moved here from another room of the session: in a waiting room as a late arrival (the third
    /// starts it); in a started game in the free seat of a participant no longer in it (dropped or removed, role not
    /// played by a bot or anyone else; a dropped one is removed then), whose role they take from the open round on. <c>no_free_seat</c> (409) otherwise;
    /// <c>room_finished</c> (409) once the game is over.
    /// </summary>
    Task<RoomSnapshot> TakeSeatForSessionAsync(string sessionCode, SessionMember member, long actorId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes a participant the facilitator moved to <paramref name="toRoomCode"/> out of this room: before the start as a
    /// leaver; in a started game the seat is out of the game as a removed one is (later rounds absent, a host hands over)
    /// and a bot takes its role under <c>on_dropout: bot</c>. Their sockets here close with 4003.
    /// </summary>
    Task<RoomSnapshot> MoveOutForSessionAsync(string sessionCode, long userId, long actorId, string toRoomCode, CancellationToken cancellationToken = default);

    /// <summary>The room's figures for the session's results: each round's choices and consensus, timeouts, absences, bots.</summary>
    [ReadOnly]
    Task<SessionRoomResult> GetResultsForSessionAsync(string sessionCode, CancellationToken cancellationToken = default);

    /// <summary>
    /// Registers a session monitor's connection: it hears <see cref="IRoomObserver.OnRoomUpdated"/> after every change
    /// of the room (only that; never a choice itself). Connections renew by calling again within two minutes.
    /// Answers the room as it is now, so the monitor starts whole; null for a room of the session that closed, which has
    /// nothing more to show.
    /// </summary>
    Task<RoomSnapshot?> WatchForSessionAsync(string sessionCode, string connectionId, IRoomObserver observer, CancellationToken cancellationToken = default);

    /// <summary>The monitor's connection closed; unknown connections change nothing.</summary>
    Task UnwatchForSessionAsync(string connectionId, CancellationToken cancellationToken = default);
}
