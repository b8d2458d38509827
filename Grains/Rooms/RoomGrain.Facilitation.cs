using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Sessions;
using Dilemma.Grains.Research;
using Orleans.Utilities;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// A room opened by a session (see <c>SessionGrain</c>): seated by the session rather than joined by
/// code, started together with the session's other rooms, and visible in full to the session's
/// facilitator. The game's own rules are the room's as ever; only who seats and starts differs.
/// </summary>
public sealed partial class RoomGrain : IFacilitatedRoomGrain
{
    // Session monitors watching this room, by gateway connection; not stored, like every socket (they renew, and one
    // whose gateway stopped renewing is forgotten, on the grain's clock, set at activation).
    private readonly ObserverManager<string, IRoomObserver> _monitors = new(ConnectionLease.Lifetime, logger);

    // Numbers every snapshot a monitor gets, so it can order them: pushes to a gateway may be delivered out of
    // order, and a link change alters no stored state, so the room's version alone cannot tell them apart.
    // Never below the clock's ticks, so a later activation of the room numbers above an earlier one.
    private long _monitorSequence;

    private long NextMonitorSequence() => _monitorSequence = Math.Max(_monitorSequence + 1, time.GetUtcNow().UtcTicks);

    // The seats with a socket open as the monitors were last told. "present" covers a student who never connected too,
    // whom a facilitator may remove, and one connected, whom the room refuses to remove (participant_present): the
    // console tells them apart by this, so a connection that changes nothing stored is pushed all the same.
    private long[] _connectedMonitored = [];

    /// <summary>The voice socket's word for a facilitator's extension of the running deadline; its user_id is the facilitator.</summary>
    private const string DeadlineExtended = "deadline_extended";

    public async Task<RoomSnapshot> OpenForSessionAsync(SessionRoomOpening opening, CancellationToken cancellationToken)
    {
        if (State.Created)
        {
            // The session asking again gets the room, finished; any other code clash is room_exists.
            return State.SessionCode == opening.SessionCode ? await FinishOpeningAsync(opening, cancellationToken) : throw RoomExists();
        }

        // Set before the creation so that its write stores them: a session's room is never without its session.
        State.SessionCode = opening.SessionCode;
        State.SessionFacilitatorId = opening.FacilitatorId;
        var host = opening.Members[0];
        await CreateAsync(
            new RoomCreation(opening.Title, opening.Topic, IsPublic: false, host.UserId, host.Nickname, opening.ScenarioId, opening.OnDropout, opening.ChoiceSeconds, opening.ConsensusSeconds),
            opening.StudyLabel,
            cancellationToken);
        return await FinishOpeningAsync(opening, cancellationToken);
    }

    /// <summary>
    /// Seats the opening's members and bots and starts the game if asked, doing only what is not done yet. A write that failed
    /// half-way deactivated the room as it was last stored (RoomGrain.Consistency), so the session's retry finishes the
    /// opening rather than taking a room without its members for the room it planned. A game under way is as it is.
    /// </summary>
    private async Task<RoomSnapshot> FinishOpeningAsync(SessionRoomOpening opening, CancellationToken cancellationToken)
    {
        if (State.Phase != RoomPhase.Waiting)
        {
            return Snapshot();
        }

        foreach (var member in opening.Members)
        {
            await TakeFreeSeatAsync(member.UserId, member.Nickname, cancellationToken);
        }

        var botsToSeat = opening.Bots - State.Participants.Count(p => p.IsBot);
        if (botsToSeat > 0)
        {
            await AddBotsAsync(State.HostUserId, botsToSeat, cancellationToken);
        }

        if (opening.Start)
        {
            await DealAndBeginAsync(cancellationToken);
        }

        return Snapshot();
    }

    public async Task<RoomSnapshot?> SeatForSessionAsync(string sessionCode, SessionMember member, CancellationToken cancellationToken)
    {
        if (IsClosedRoomOf(sessionCode))
        {
            return null;
        }

        EnsureOfSession(sessionCode);
        if (State.Phase == RoomPhase.Waiting && State.Participants.Count == RoomRules.Capacity && Find(member.UserId) is null)
        {
            // Full but not begun: the third seat was stored and the start after it failed. It begins now, and this
            // arrival goes to another room, rather than every later one being told room_full.
            await DealAndBeginAsync(cancellationToken);
        }

        if (State.Phase != RoomPhase.Waiting && Find(member.UserId) is null)
        {
            // Its host started it (with bots, say): the session's late arrivals go to another room.
            return Snapshot();
        }

        return await SeatAsync(member, cancellationToken);
    }

    /// <summary>A member into a free seat of this waiting room; the third seated starts it.</summary>
    private async Task<RoomSnapshot> SeatAsync(SessionMember member, CancellationToken cancellationToken)
    {
        await TakeFreeSeatAsync(member.UserId, member.Nickname, cancellationToken);
        if (State.Phase == RoomPhase.Waiting && State.Participants.Count == RoomRules.Capacity)
        {
            await DealAndBeginAsync(cancellationToken);
        }

        return Snapshot();
    }

    public async Task<string?> PauseForSessionAsync(string sessionCode, bool paused, string? onceKey, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);
        EnsurePlaying();
        if (paused == State.FacilitatorPausedAt is not null)
        {
            return State.FacilitatorPauseKey;
        }

        // The clock stands still while paused; the save moves the deadline on by the pause once nothing holds it (from
        // the facilitator's pause itself when no save has followed it yet).
        State.PausedSince ??= State.FacilitatorPausedAt;
        State.FacilitatorPausedAt = paused ? Now : null;

        // Saved with the change it names, so the key is there exactly when the change is.
        State.FacilitatorPauseKey = onceKey;
        await SaveAsync(writeScenario: false, cancellationToken);
        await KeepDeadlineReminderAsync();
        return onceKey;
    }

    public Task<RoomSnapshot> ExtendDeadlineForSessionAsync(string sessionCode, int seconds, long actorId, string? idempotencyKey, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);

        // An extension is no state to reach but a step to take: sent again after its answer (or its audit) was lost, it would
        // move the deadline twice. Under a key it is taken once, its answer stored with the moved deadline.
        return ForSessionOnceAsync(
            new { Action = FacilitatorActionKind.ExtendDeadline, SessionCode = sessionCode, Seconds = seconds },
            actorId,
            idempotencyKey,
            () => ExtendDeadlineAsync(seconds, actorId, cancellationToken),
            cancellationToken);
    }

    /// <summary>A session's action on this room, once under the facilitator's key when the request had one (RoomGrain.Idempotency).</summary>
    private Task<RoomSnapshot> ForSessionOnceAsync<TRequest>(TRequest request, long actorId, string? idempotencyKey, Func<Task<RoomSnapshot>> run, CancellationToken cancellationToken) =>
        idempotencyKey is null ? run() : OnceAsync(actorId, idempotencyKey, Idempotency.Fingerprint(request), run, cancellationToken);

    private async Task<RoomSnapshot> ExtendDeadlineAsync(int seconds, long actorId, CancellationToken cancellationToken)
    {
        EnsurePlaying();
        if (State.DeadlineAt is not { } deadline)
        {
            throw RuleViolationException.Conflict("no_deadline", "No deadline is running in this room.");
        }

        State.DeadlineAt = deadline.AddSeconds(seconds);
        await SaveAsync(writeScenario: false, cancellationToken);
        await KeepDeadlineReminderAsync();

        // The snapshot's later deadline_at alone looks the same as a resume's: the players saw their clock jump and were
        // not told why. Inside the once-only step, so a retried extension is not said twice.
        var at = Utc(Now);
        Broadcast(o => o.OnParticipantEvent(DeadlineExtended, actorId, at), exceptUser: null);
        return Snapshot();
    }

    public async Task<RoomSnapshot> EndForSessionAsync(string sessionCode, long actorId, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);
        if (State.Phase == RoomPhase.Finished && State.EndedEarlyBy == actorId)
        {
            // This actor's end, sent again: the first took effect and its answer or its audit was lost. Refused, the retry
            // could never be audited; answered, the session audits it (once: an end is keyed by its room).
            return Snapshot();
        }

        EnsurePlaying();
        await EndNowAsync(actorId, cancellationToken);
        return Snapshot();
    }

    public Task<RoomSnapshot> RemoveForSessionAsync(string sessionCode, long userId, long actorId, string? idempotencyKey, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);
        return ForSessionOnceAsync(
            new { Action = FacilitatorActionKind.RemoveParticipant, SessionCode = sessionCode, UserId = userId },
            actorId,
            idempotencyKey,
            async () =>
            {
                EnsurePlaying();
                await RemoveSeatAsync(actorId, userId, cancellationToken);
                return Snapshot();
            },
            cancellationToken);
    }

    public Task<RoomSnapshot> FillSeatWithBotForSessionAsync(string sessionCode, long userId, long actorId, string? idempotencyKey, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);
        return ForSessionOnceAsync(
            new { Action = FacilitatorActionKind.FillWithBot, SessionCode = sessionCode, UserId = userId },
            actorId,
            idempotencyKey,
            () => FillSeatWithBotAsync(userId, actorId, cancellationToken),
            cancellationToken);
    }

    private async Task<RoomSnapshot> FillSeatWithBotAsync(long userId, long actorId, CancellationToken cancellationToken)
    {
        EnsurePlaying();
        var seat = Named(userId);
        if (TakesPart(seat))
        {
            throw RuleViolationException.Conflict("participant_present", "Only the seat of a participant no longer in the game (dropped or removed) takes a bot.");
        }

        if (seat.RoleId is not { } role || State.Participants.Exists(p => TakesPart(p) && p.RoleId == role))
        {
            throw RuleViolationException.Conflict("seat_filled", "Someone plays this seat's role already: a bot, or a participant moved in.");
        }

        await SeatBotInRoleAsync(seat, actorId, Now, cancellationToken);
        await SaveAsync(writeScenario: false, cancellationToken);
        return Snapshot();
    }

    public Task BroadcastForSessionAsync(string sessionCode, string message, DateTimeOffset at, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);
        Broadcast(o => o.OnFacilitatorMessage(message, at), exceptUser: null);

        // A broadcast changes nothing a room snapshot shows: this is the monitors' word of it as it goes out (its audit row,
        // written later by the session, comes with the session's own push).
        _monitors.Notify(monitor => monitor.OnFacilitatorMessage(message, at));
        return Task.CompletedTask;
    }

    public Task<RoomSnapshot> GetForSessionAsync(string sessionCode, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);
        return Task.FromResult(Snapshot());
    }

    public async Task<RoomSnapshot> TakeSeatForSessionAsync(string sessionCode, SessionMember member, long actorId, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);
        if (Find(member.UserId) is not null)
        {
            throw RuleViolationException.Conflict("already_seated", "The participant has a seat in this room already.");
        }

        if (State.Phase == RoomPhase.Waiting)
        {
            return State.Participants.Count < RoomRules.Capacity
                ? await SeatAsync(member, cancellationToken)
                : throw NoFreeSeat();
        }

        EnsurePlaying();

        // The seat of someone no longer in the game whose role nobody plays now (no bot took it): the mover plays that role.
        var free = State.Participants
            .Where(p => !TakesPart(p) && !p.IsBot && p.RoleId is { } role && !State.Participants.Exists(o => TakesPart(o) && o.RoleId == role))
            .MinBy(p => p.DroppedAt) ?? throw NoFreeSeat();
        var now = Now;
        if (!free.Removed)
        {
            // A dropped seat given away is not waited for any more: were its user to return, two would play one role.
            await RecordEventAsync(RoomEventType.Removed, free.UserId, actorId, now, cancellationToken);
            free.Removed = true;
            EvictFromRealtime(free.UserId);
        }

        var name = await NicknameForAsync(member.UserId, member.Nickname, cancellationToken);
        await research.RecordParticipantAsync(Code, member.UserId, name, now, cancellationToken);
        State.Participants.Add(new ParticipantState { UserId = member.UserId, Nickname = name, RoleId = free.RoleId, JoinedAt = now });
        await RecordSeatRolesAsync(cancellationToken);
        await RecordEventAsync(RoomEventType.MovedIn, member.UserId, actorId, now, cancellationToken, State.CurrentRound);
        await SaveAsync(writeScenario: false, cancellationToken);
        return Snapshot();
    }

    public async Task<RoomSnapshot> MoveOutForSessionAsync(string sessionCode, long userId, long actorId, string toRoomCode, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);
        var moving = Participant(userId);
        if (State.Phase == RoomPhase.Waiting)
        {
            // Before the start a move is a leave: the host hands over, and a room left empty closes.
            return await LeaveAsync(userId, cancellationToken);
        }

        // The game ended between the session's check and this call, after the target had seated the mover: the finished
        // game keeps the seat as played, and the move stands (refusing it now left the mover seated in both rooms
        // with the session recording neither).
        if (State.Phase == RoomPhase.Finished || moving.Removed)
        {
            return Snapshot();
        }

        var now = Now;
        await RecordEventAsync(RoomEventType.MovedOut, userId, actorId, now, cancellationToken, State.CurrentRound);
        if (_graces.Remove(userId, out var grace))
        {
            grace.Dispose();
        }

        moving.DroppedAt ??= now;
        moving.ReconnectingSince = null;
        moving.Removed = true;
        moving.MovedTo = toRoomCode;
        await HandOverIfHostGoneAsync(now, cancellationToken);
        await SeatBotForAsync(moving, now, cancellationToken);
        EvictFromRealtime(userId);
        var deadlineMoved = OpenConsensusClockIfDue(now);
        await SaveAsync(writeScenario: false, cancellationToken);
        if (deadlineMoved)
        {
            await KeepDeadlineReminderAsync();
        }

        return Snapshot();
    }

    public Task<SessionRoomResult> GetResultsForSessionAsync(string sessionCode, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);
        var bots = State.Participants.Where(p => p.IsBot).Select(p => p.UserId).ToHashSet();
        var rounds = State.Rounds.Select(r =>
        {
            // As in the room's statistics, a round's choices count only once it closed: an open round's are nobody's business yet.
            var closed = r.Consensus is not null || r.NoConsensus;
            var choices = closed ? r.Choices : [];
            return new SessionRoomRound(
                r.RoundNumber,
                Scenario.Rounds[r.RoundNumber - 1].Options.Count,
                choices.Select(c => c.Choice).ToList(),
                choices.Count(c => bots.Contains(c.UserId)),
                r.Consensus?.Choice,
                closed,
                r.NoConsensus,
                r.TimedOut.Count,
                r.Absent.Count,
                choices.Select(c => c.Confidence).ToList(),
                closed ? r.Consensus?.Confidence : null);
        }).ToList();
        return Task.FromResult(new SessionRoomResult(
            Code,
            State.Phase,
            rounds,
            State.Participants.Count(p => p.DroppedAt is not null && !p.Removed),
            State.Participants.Count(p => p.Removed),
            bots.Count));
    }

    public Task<RoomSnapshot?> WatchForSessionAsync(string sessionCode, string connectionId, IRoomObserver observer, CancellationToken cancellationToken)
    {
        if (IsClosedRoomOf(sessionCode))
        {
            DeactivateOnIdle();
            return Task.FromResult<RoomSnapshot?>(null);
        }

        EnsureOfSession(sessionCode);
        _monitors.Subscribe(connectionId, observer);
        return Task.FromResult<RoomSnapshot?>(MonitoredSnapshot());
    }

    public Task UnwatchForSessionAsync(string connectionId, CancellationToken cancellationToken)
    {
        _monitors.Unsubscribe(connectionId);
        return Task.CompletedTask;
    }

    /// <summary>The monitors hear every change; one whose gateway stopped renewing is forgotten.</summary>
    private void PushToMonitors(RoomSnapshot roomSnapshot)
    {
        if (_monitors.Count == 0)
        {
            return;
        }

        var snapshot = ForMonitors(roomSnapshot);
        _monitors.Notify(monitor => monitor.OnRoomUpdated(snapshot));
    }

    private RoomSnapshot MonitoredSnapshot() => ForMonitors(Snapshot());

    private RoomSnapshot ForMonitors(RoomSnapshot roomSnapshot)
    {
        _connectedMonitored = ConnectedSeats();
        return roomSnapshot with { Links = Links(), Connected = _connectedMonitored, MonitorSequence = NextMonitorSequence() };
    }

    private long[] ConnectedSeats() => State.Participants.Where(p => IsConnected(p.UserId)).Select(p => p.UserId).ToArray();

    /// <summary>Tells the monitors when a seat's socket opened or closed with nothing stored to change (see <see cref="_connectedMonitored"/>).</summary>
    private void FollowConnections()
    {
        if (_monitors.Count > 0 && !ConnectedSeats().SequenceEqual(_connectedMonitored))
        {
            PushToMonitors(Snapshot());
        }
    }

    private static RuleViolationException NoFreeSeat() =>
        RuleViolationException.Conflict("no_free_seat", "The room has no free seat: a waiting room with fewer than three, or a started game with the seat of someone no longer in it whose role nobody plays.");

    /// <summary>A room of this session that closed: to anyone else, it does not exist.</summary>
    private bool IsClosedRoomOf(string sessionCode) => State.Created && State.ClosedAt is not null && State.SessionCode == sessionCode;

    /// <summary>A session acts only on its own rooms: any other code is, to it, a room that does not exist.</summary>
    private void EnsureOfSession(string sessionCode)
    {
        EnsureCreated();
        if (State.SessionCode != sessionCode)
        {
            throw RoomNotFound();
        }
    }

    /// <summary>Roles at random to whoever is seated (two of the three in a room of two), then round 1.</summary>
    private async Task DealAndBeginAsync(CancellationToken cancellationToken)
    {
        await ApplyRolesAsync(DealRandomly(), cancellationToken);
        await BeginAsync(cancellationToken);
    }
}
