using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Sessions;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// A room opened by a session (see <c>SessionGrain</c>): seated by the session rather than joined by
/// code, started together with the session's other rooms, and visible in full to the session's
/// facilitator. The game's own rules are the room's as ever; only who seats and starts differs.
/// </summary>
public sealed partial class RoomGrain : IFacilitatedRoomGrain
{
    // Session monitors watching this room, by gateway connection; not stored, like every socket (they renew).
    private readonly Dictionary<string, MonitorConnection> _monitors = new(StringComparer.Ordinal);

    public async Task<RoomSnapshot> OpenForSessionAsync(SessionRoomOpening opening, CancellationToken cancellationToken)
    {
        if (State.Created)
        {
            // The session asking again (its answer was lost) gets the room; any other code clash is room_exists.
            return State.SessionCode == opening.SessionCode ? Snapshot() : throw RoomExists();
        }

        // Set before the creation so that its write stores them: a session's room is never without its session.
        State.SessionCode = opening.SessionCode;
        State.SessionFacilitatorId = opening.FacilitatorId;
        var host = opening.Members[0];
        await CreateAsync(
            new RoomCreation(opening.Title, opening.Topic, IsPublic: false, host.UserId, host.Nickname, opening.ScenarioId, opening.OnDropout, opening.ChoiceSeconds, opening.ConsensusSeconds),
            opening.StudyLabel,
            cancellationToken);
        foreach (var member in opening.Members.Skip(1))
        {
            await JoinAsync(member.UserId, member.Nickname, cancellationToken);
        }

        if (opening.Bots > 0)
        {
            await AddBotsAsync(host.UserId, opening.Bots, cancellationToken);
        }

        if (opening.Start)
        {
            await DealAndBeginAsync(cancellationToken);
        }

        return Snapshot();
    }

    public async Task<RoomSnapshot> SeatForSessionAsync(string sessionCode, SessionMember member, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);
        await JoinAsync(member.UserId, member.Nickname, cancellationToken);
        if (State.Phase == RoomPhase.Waiting && State.Participants.Count == RoomRules.Capacity)
        {
            await DealAndBeginAsync(cancellationToken);
        }

        return Snapshot();
    }

    public async Task<RoomSnapshot> PauseForSessionAsync(string sessionCode, bool paused, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);
        EnsurePlaying();
        if (paused == State.FacilitatorPausedAt is not null)
        {
            return Snapshot();
        }

        var now = Now;
        if (!paused && State.DeadlineAt is { } deadline)
        {
            // The clock stood still while paused: the deadline moves on by the pause, so nobody loses time to it.
            State.DeadlineAt = deadline + (now - State.FacilitatorPausedAt!.Value);
        }

        State.FacilitatorPausedAt = paused ? now : null;
        await SaveAsync(writeScenario: false, cancellationToken);
        await KeepDeadlineReminderAsync();
        return Snapshot();
    }

    public async Task<RoomSnapshot> ExtendDeadlineForSessionAsync(string sessionCode, int seconds, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);
        EnsurePlaying();
        if (State.DeadlineAt is not { } deadline)
        {
            throw RuleViolationException.Conflict("no_deadline", "No deadline is running in this room.");
        }

        State.DeadlineAt = deadline.AddSeconds(seconds);
        await SaveAsync(writeScenario: false, cancellationToken);
        await KeepDeadlineReminderAsync();
        return Snapshot();
    }

    public async Task<RoomSnapshot> EndForSessionAsync(string sessionCode, long actorId, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);
        EnsurePlaying();
        await EndNowAsync(actorId, cancellationToken);
        return Snapshot();
    }

    public async Task<RoomSnapshot> RemoveForSessionAsync(string sessionCode, long userId, long actorId, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);
        EnsurePlaying();
        await RemoveSeatAsync(actorId, userId, cancellationToken);
        return Snapshot();
    }

    public async Task<RoomSnapshot> FillSeatWithBotForSessionAsync(string sessionCode, long userId, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);
        EnsurePlaying();
        var seat = Participant(userId);
        if (TakesPart(seat))
        {
            throw RuleViolationException.Conflict("participant_present", "Only the seat of a participant no longer in the game (dropped or removed) takes a bot.");
        }

        if (seat.RoleId is not { } role || State.Participants.Exists(p => p.IsBot && TakesPart(p) && p.RoleId == role))
        {
            throw RuleViolationException.Conflict("seat_filled", "A bot plays this seat's role already.");
        }

        await SeatBotInRoleAsync(role, Now, cancellationToken);
        await SaveAsync(writeScenario: false, cancellationToken);
        return Snapshot();
    }

    public Task<RoomSnapshot> WatchForSessionAsync(string sessionCode, string connectionId, IRoomObserver observer, CancellationToken cancellationToken)
    {
        EnsureOfSession(sessionCode);
        _monitors[connectionId] = new MonitorConnection(observer, time.GetUtcNow());
        return Task.FromResult(Snapshot());
    }

    public Task UnwatchForSessionAsync(string connectionId, CancellationToken cancellationToken)
    {
        _monitors.Remove(connectionId);
        return Task.CompletedTask;
    }

    /// <summary>The monitors hear every change; one whose gateway stopped renewing is forgotten.</summary>
    private void PushToMonitors(RoomSnapshot snapshot)
    {
        var cutoff = time.GetUtcNow() - RegistrationLifetime;
        foreach (var (id, monitor) in _monitors.ToList())
        {
            if (monitor.RenewedAt < cutoff)
            {
                _monitors.Remove(id);
                continue;
            }

            monitor.Observer.OnRoomUpdated(snapshot);
        }
    }

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

    private sealed record MonitorConnection(IRoomObserver Observer, DateTimeOffset RenewedAt);
}
