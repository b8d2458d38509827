using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// Presence with grace, in a started game. A participant is connected while any of their
/// signaling or voice sockets is. When the last one closes, the others are told
/// <c>participant_reconnecting</c> and the grace period (<c>Game:ReconnectGraceSeconds</c>) starts;
/// a socket back within it is <c>participant_returned</c> and nothing else changes. After it the
/// participant is dropped (<c>participant_dropped</c>, stored) and the room's <c>on_dropout</c>
/// policy applies. Each of these is a row of <c>room_events</c> before anyone is told.
/// The grace runs on a grain timer; its start is stored (<c>ReconnectingSince</c>), so a room
/// activated again after its silo died re-arms it for what is left (<see cref="RearmGraces"/>); a start
/// whose save failed after its row is taken from the row (<see cref="AdoptRecordedGraces"/>). Such
/// a room has lost its sockets too, and learns them again as the gateways renew them. A reconnect, a
/// return, a drop and a host change may recur, so each is numbered among its seat's
/// (<see cref="RecordRecurringAsync"/>): a step run again after a failed save is the row already there.
/// </summary>
public sealed partial class RoomGrain
{
    // Expired socket registrations (a gateway that died without its goodbyes) are looked for this
    // often in a started game, so a participant behind such a gateway is not present for ever.
    private static readonly TimeSpan PresenceWatchPeriod = TimeSpan.FromSeconds(30);

    // Participants in their grace period, each with the timer that drops them.
    private readonly Dictionary<long, IGrainTimer> _graces = [];

    // Seats whose grace this activation took from their participant_reconnecting row (AdoptRecordedGraces). That
    // reconnect's save failed before the others were told, so each signaling socket and voice connection new to this
    // activation is told.
    private readonly HashSet<long> _adoptedGraces = [];

    // Users a socket of whom closed or expired during a synchronous step; settled by SettlePresenceAsync.
    private readonly HashSet<long> _socketsGone = [];

    private IGrainTimer? _presenceWatch;
    private GameOptions? _gameOptions;

    private GameOptions Game => _gameOptions ??= ServiceProvider.GetRequiredService<IOptions<GameOptions>>().Value;

    private static bool TakesPart(ParticipantState participant) => participant.DroppedAt is null && !participant.Removed;

    private bool IsConnected(long userId) => _signaling.IsOpen(userId) || _voice.IsConnected(userId);

    /// <summary>Paused: a <c>wait</c> room with a dropped participant the host has not removed, or paused by its session's facilitator.</summary>
    private bool IsPaused =>
        State.Phase == RoomPhase.Started
        && ((State.OnDropout == DropoutPolicy.Wait && State.Participants.Any(p => p.DroppedAt is not null && !p.Removed))
            || State.FacilitatorPausedAt is not null);

    /// <summary>
    /// When what holds a paused room began to hold it (the earliest of a wait and the facilitator's pause), as far as a
    /// save has followed it; null while the game runs. Its deadline stands still from here, so the time left is the
    /// deadline less this, until the resume moves the deadline on.
    /// </summary>
    private DateTime? PauseBegan => IsPaused ? State.PausedSince ?? State.FacilitatorPausedAt : null;

    private string PresenceOf(ParticipantState participant) =>
        participant.Removed ? ParticipantPresence.Removed
        : participant.DroppedAt is not null ? ParticipantPresence.Dropped
        : _graces.ContainsKey(participant.UserId) ? ParticipantPresence.Reconnecting
        : ParticipantPresence.Present;

    /// <summary>A seat that may open sockets: a removed participant's user cannot come back.</summary>
    private ParticipantState Seated(long userId)
    {
        var participant = Participant(userId);
        return participant.Removed
            ? throw RuleViolationException.Forbidden("not_participant", participant.MovedTo is { } moved ? $"The facilitator moved you to room {moved}." : "You were removed from this game.")
            : participant;
    }

    /// <summary>Choices and consensus come from those taking part, in a game that is not paused.</summary>
    private void EnsureTakingPart(ParticipantState participant)
    {
        if (!TakesPart(participant) && State.Phase == RoomPhase.Started)
        {
            throw RuleViolationException.Conflict("participant_dropped", "You were dropped from this game; open a signaling or voice socket to return.");
        }

        if (IsPaused)
        {
            throw RuleViolationException.Conflict(
                "room_paused",
                State.FacilitatorPausedAt is not null
                    ? "The session's facilitator has paused the room."
                    : "The room waits for a dropped participant to return, or for the host to remove them or end the game.");
        }
    }

    /// <summary>
    /// A paused room's deadline stands still, whatever paused it (<see cref="IsPaused"/>): once nothing holds it any
    /// more (the dropped participant came back or lost the seat, the facilitator resumed) the deadline moves on by the
    /// whole pause, once, so the round keeps the time it had left. A wait and a facilitator's pause that overlap move
    /// it by the time either held it, not by both. Followed at every save; true when the deadline moved.
    /// </summary>
    private bool FollowPause(DateTime now)
    {
        if (IsPaused)
        {
            // A facilitator's pause already running when this was first followed counts from its own start.
            State.PausedSince ??= State.FacilitatorPausedAt ?? now;
            return false;
        }

        if (State.PausedSince is not { } since)
        {
            return false;
        }

        State.PausedSince = null;
        if (_lateBotAnswers.Count > 0 || BotChoiceMissing())
        {
            // Bots' answers that came during the pause are taken now.
            ArmBotCatchUp();
        }

        if (State.Phase != RoomPhase.Started || State.DeadlineAt is not { } deadline)
        {
            return false;
        }

        State.DeadlineAt = deadline + (now - since);
        return true;
    }

    /// <summary>A socket of the user closed or expired; what that means is settled by <see cref="SettlePresenceAsync"/>.</summary>
    private void NoteSocketGone(long userId) => _socketsGone.Add(userId);

    /// <summary>Starts the grace period of everyone whose last socket has gone since the last look.</summary>
    private async Task SettlePresenceAsync(CancellationToken cancellationToken)
    {
        foreach (var userId in _socketsGone.ToList())
        {
            _socketsGone.Remove(userId);
            if (State.Phase != RoomPhase.Started
                || State.ClosedAt is not null
                || IsConnected(userId)
                || _graces.ContainsKey(userId)
                || Find(userId) is not { } participant
                || !TakesPart(participant))
            {
                continue;
            }

            var now = Now;
            await RecordRecurringAsync(RoomEventType.Reconnecting, participant, actorId: null, now, cancellationToken);
            participant.ReconnectingSince = now;
            StartGrace(userId, Game.ReconnectGrace);
            await SaveAsync(writeScenario: false, cancellationToken);
            TellOthers(RoomEventType.Reconnecting, participant, now);
        }

        FollowConnections();
    }

    private void StartGrace(long userId, TimeSpan due) =>
        _graces[userId] = this.RegisterGrainTimer(
            token => DropAfterGraceAsync(userId, token),
            new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { KeepAlive = true });

    /// <summary>
    /// On activation of a started game, before <see cref="RearmGraces"/>: a seat whose last presence row is a
    /// <c>participant_reconnecting</c> its state has not counted (the row was written, the save after it failed) is
    /// reconnecting since that row's time. Otherwise nothing would start its grace again (its socket is gone, and with it
    /// anything that would tell the room) and the seat would show present until the host removed it.
    /// </summary>
    private void AdoptRecordedGraces(IReadOnlyList<RoomEventRecord> reconnecting)
    {
        if (State.Phase != RoomPhase.Started || State.ClosedAt is not null)
        {
            return;
        }

        foreach (var recorded in reconnecting)
        {
            // A row without a number was written before rows had one: the seat's state cannot have counted it.
            if (Find(recorded.UserId!.Value) is { } participant
                && TakesPart(participant)
                && participant.ReconnectingSince is null
                && (recorded.Occurrence ?? int.MaxValue) > participant.RecurringEvents)
            {
                participant.ReconnectingSince = recorded.At;
                participant.RecurringEvents = recorded.Occurrence ?? participant.RecurringEvents;
                _adoptedGraces.Add(participant.UserId);
            }
        }
    }

    /// <summary>On activation: graces that were running when the room's last activation ended go on for what is left of them.</summary>
    private void RearmGraces()
    {
        if (State.Phase != RoomPhase.Started || State.ClosedAt is not null)
        {
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        foreach (var participant in State.Participants.Where(p => TakesPart(p) && p.ReconnectingSince is not null))
        {
            var left = participant.ReconnectingSince!.Value + Game.ReconnectGrace - now;
            StartGrace(participant.UserId, left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
    }

    /// <summary>A socket of the participant is open: back within the grace, or back after being dropped.</summary>
    private async Task NoteSocketBackAsync(ParticipantState participant, CancellationToken cancellationToken)
    {
        _socketsGone.Remove(participant.UserId);
        if (_graces.Remove(participant.UserId, out var grace))
        {
            grace.Dispose();
            var now = Now;
            await RecordRecurringAsync(RoomEventType.Returned, participant, actorId: null, now, cancellationToken);
            participant.ReconnectingSince = null;
            await SaveAsync(writeScenario: false, cancellationToken);
            TellOthers(RoomEventType.Returned, participant, now);
            return;
        }

        if (participant.DroppedAt is not null && !participant.Removed && State.Phase == RoomPhase.Started)
        {
            // Back after the grace: they take part again from the open round on (a wait room resumes).
            var now = Now;
            await RecordRecurringAsync(RoomEventType.Returned, participant, actorId: null, now, cancellationToken);
            participant.DroppedAt = null;

            // A host dropped when nobody else was left kept the role, gone: the one back would wait for ever for a decision.
            await HandOverIfHostGoneAsync(now, cancellationToken);
            await SaveAsync(writeScenario: false, cancellationToken);
            TellOthers(RoomEventType.Returned, participant, now);
        }
    }

    private async Task DropAfterGraceAsync(long userId, CancellationToken cancellationToken)
    {
        if (!_graces.Remove(userId, out var grace))
        {
            return;
        }

        if (!IsConnected(userId) && State.Phase == RoomPhase.Started && State.ClosedAt is null && Find(userId) is { } participant && TakesPart(participant))
        {
            await DropAsync(participant, actorId: null, cancellationToken);
        }

        // Only now: disposing the timer cancels the token of its callback, which is this very call.
        grace.Dispose();
    }

    /// <summary>The participant no longer takes part: recorded, a host hands over, the others are told.</summary>
    private async Task DropAsync(ParticipantState participant, long? actorId, CancellationToken cancellationToken)
    {
        var now = Now;
        await RecordRecurringAsync(RoomEventType.Dropped, participant, actorId, now, cancellationToken);
        participant.DroppedAt = now;
        participant.ReconnectingSince = null;
        await HandOverIfHostGoneAsync(now, cancellationToken);
        await SeatBotForAsync(participant, now, cancellationToken);
        var deadlineMoved = OpenConsensusClockIfDue(now);
        await SaveAsync(writeScenario: false, cancellationToken);
        if (deadlineMoved)
        {
            await KeepDeadlineReminderAsync();
        }

        TellOthers(RoomEventType.Dropped, participant, now);
    }

    /// <summary>A host who no longer takes part hands over to the earliest-joined participant still in the game.</summary>
    private async Task HandOverIfHostGoneAsync(DateTime now, CancellationToken cancellationToken)
    {
        if (Find(State.HostUserId) is { } host && TakesPart(host))
        {
            return;
        }

        if (State.Participants.Where(p => TakesPart(p) && !p.IsBot).MinBy(p => p.JoinedAt) is not { } next)
        {
            return;
        }

        await RecordRecurringAsync(RoomEventType.HostChanged, next, actorId: null, now, cancellationToken);
        await research.RecordRoomProgressAsync(Progress(next.UserId), cancellationToken);
        State.HostUserId = next.UserId;
    }

    /// <summary>Who no longer takes part and has no choice in <paramref name="round"/>.</summary>
    private List<ParticipantState> Absentees(RoundState round) =>
        State.Participants.Where(p => !TakesPart(p) && round.Choices.All(c => c.UserId != p.UserId)).ToList();

    /// <summary>Seats that closed a round without a choice because they no longer took part are recorded <c>absent</c>.</summary>
    private async Task RecordAbsencesAsync(RoundState round, DateTime now, CancellationToken cancellationToken)
    {
        foreach (var gone in Absentees(round))
        {
            await RecordEventAsync(RoomEventType.Absent, gone.UserId, actorId: null, now, cancellationToken, round.RoundNumber);
            round.Absent.Add(gone.UserId);
        }
    }

    /// <summary>In a started game, expired sockets are looked for now and then (see <see cref="PresenceWatchPeriod"/>).</summary>
    private void WatchPresence()
    {
        if (_presenceWatch is not null || State.Phase != RoomPhase.Started || State.ClosedAt is not null)
        {
            return;
        }

        // No keep-alive: while a socket is registered its renewals keep the room active anyway.
        _presenceWatch = this.RegisterGrainTimer(
            async token =>
            {
                DropExpiredSignaling();
                DropExpiredVoice();
                await SettlePresenceAsync(token);
            },
            new GrainTimerCreationOptions(PresenceWatchPeriod, PresenceWatchPeriod));
    }

    /// <summary>The game is over: nobody is waited for any more.</summary>
    private void StopPresenceTimers()
    {
        foreach (var grace in _graces.Values)
        {
            grace.Dispose();
        }

        _graces.Clear();
        _presenceWatch?.Dispose();
        _presenceWatch = null;
    }

    private Task RecordEventAsync(string type, long? userId, long? actorId, DateTime at, CancellationToken cancellationToken, int? roundNumber = null) =>
        research.RecordRoomEventAsync(new RoomEventRecord(Code, type, userId, roundNumber ?? RoundInPlay, actorId, IsBot: false, at), cancellationToken);

    /// <summary>
    /// The round an event of the seats happened in: a drop, return or removal says when in the game it came, as a bot's
    /// arrival does; none before the game starts or after it ends.
    /// </summary>
    private int? RoundInPlay => State.Phase == RoomPhase.Started ? State.CurrentRound : null;

    /// <summary>
    /// An event that recurs (<see cref="RoomEventType.Recurs"/>) about <paramref name="about"/>, numbered by the seat's count
    /// (<see cref="ParticipantState.RecurringEvents"/>): the same step run again after its save failed is the row already
    /// recorded, and the seat's next such event is a row of its own. The count moves only once the row is written.
    /// </summary>
    private async Task RecordRecurringAsync(string type, ParticipantState about, long? actorId, DateTime at, CancellationToken cancellationToken)
    {
        var occurrence = about.RecurringEvents + 1;
        await research.RecordRoomEventAsync(new RoomEventRecord(Code, type, about.UserId, RoundInPlay, actorId, IsBot: false, at, occurrence), cancellationToken);
        about.RecurringEvents = occurrence;
    }

    /// <summary>
    /// A voice connection new to this activation hears of the graces the activation took from their rows, as a reconnect
    /// tells the others (the event, then the room showing the seat reconnecting): nobody told it when the seat went, and
    /// the room it holds shows the seat present until the drop.
    /// </summary>
    private void TellOfAdoptedGraces(long receiver, IRoomObserver observer)
    {
        var untold = AdoptedGracesUntold(receiver);
        if (untold.Count == 0)
        {
            return;
        }

        foreach (var participant in untold)
        {
            observer.OnParticipantEvent(RoomEventType.Reconnecting, participant.UserId, Utc(participant.ReconnectingSince!.Value));
        }

        observer.OnRoomUpdated(Snapshot());
    }

    /// <summary>
    /// A signaling socket new to this activation hears of the same graces, as a reconnect tells the signaling sockets (with
    /// the fields of <c>peer_left</c>, through the receiver's peer grain): it heard the seat's socket go, never that the
    /// seat is only reconnecting, and a page with no voice socket would show the seat present until the drop.
    /// </summary>
    private void TellPeerOfAdoptedGraces(long receiver)
    {
        foreach (var participant in AdoptedGracesUntold(receiver))
        {
            PeerOf(receiver).NotifyAsync(new PeerEvent(RoomEventType.Reconnecting, PresenceOf(participant, receiver))).Ignore();
        }
    }

    /// <summary>The seats, but the receiver's own, whose grace this activation took from their rows and which still run it.</summary>
    private List<ParticipantState> AdoptedGracesUntold(long receiver) =>
        State.Participants
            .Where(p => p.UserId != receiver && _adoptedGraces.Contains(p.UserId) && _graces.ContainsKey(p.UserId) && p.ReconnectingSince is not null)
            .ToList();

    /// <summary>Tells the other participants' signaling and voice sockets; one-way.</summary>
    private void TellOthers(string type, ParticipantState participant, DateTime at)
    {
        var about = new PeerPresence(participant.UserId, participant.Nickname, participant.RoleId, false);
        foreach (var other in _signaling.Users.Where(k => k != participant.UserId))
        {
            PeerOf(other).NotifyAsync(new PeerEvent(type, about with { Polite = Politeness.IsPolite(other, participant.UserId) })).Ignore();
        }

        var when = Utc(at);
        Broadcast(o => o.OnParticipantEvent(type, participant.UserId, when), exceptUser: participant.UserId);
    }
}
