using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// What the host can always do until the game is over, so a game never gets stuck on someone who is gone: hand
/// the host role on, take a gone participant's seat out of the game, end the game early. Each is a row of
/// <c>room_events</c> with who did it and when. Leaving a started game is a dropout.
/// </summary>
public sealed partial class RoomGrain
{
    public async Task<RoomSnapshot> HandHostAsync(long callerId, long userId, CancellationToken cancellationToken)
    {
        EnsureCreated();
        EnsureHost(callerId);

        // A finished game has no one left to host for: each hand-off only wrote another host_changed row, without end, and
        // about people who may since have withdrawn their research data.
        if (State.Phase == RoomPhase.Finished)
        {
            throw PhaseConflict();
        }

        var next = Named(userId);
        if (!TakesPart(next))
        {
            throw RuleViolationException.Conflict("participant_gone", "The host role goes to a participant who still takes part.");
        }

        if (next.IsBot)
        {
            throw RuleViolationException.Conflict("participant_is_bot", "A bot never hosts: the host role goes to a person.");
        }

        if (next.UserId == State.HostUserId)
        {
            return Snapshot();
        }

        await RecordRecurringAsync(RoomEventType.HostChanged, next, callerId, Now, cancellationToken);
        await research.RecordRoomProgressAsync(Progress(next.UserId), cancellationToken);
        State.HostUserId = next.UserId;
        await SaveAsync(writeScenario: false, cancellationToken);
        return Snapshot();
    }

    public async Task<RoomSnapshot> RemoveParticipantAsync(long callerId, long userId, CancellationToken cancellationToken)
    {
        EnsureCreated();
        EnsureHost(callerId);
        EnsurePlaying();
        await RemoveSeatAsync(callerId, userId, cancellationToken);
        return Snapshot();
    }

    /// <summary>Takes a gone participant's seat out of the started game, <paramref name="callerId"/> the actor: the host's removal, and a facilitator's.</summary>
    private async Task RemoveSeatAsync(long callerId, long userId, CancellationToken cancellationToken)
    {
        var gone = Named(userId);
        if (gone.Removed)
        {
            return;
        }

        if (IsConnected(userId))
        {
            throw RuleViolationException.Conflict("participant_present", "Only a participant with no socket open (reconnecting, dropped, or never connected) may be removed.");
        }

        var now = Now;
        await RecordEventAsync(RoomEventType.Removed, userId, callerId, now, cancellationToken);
        if (_graces.Remove(userId, out var grace))
        {
            grace.Dispose();
        }

        gone.DroppedAt ??= now;
        gone.Removed = true;
        await HandOverIfHostGoneAsync(now, cancellationToken);
        EvictFromRealtime(userId);
        var deadlineMoved = OpenConsensusClockIfDue(now);
        await SaveAsync(writeScenario: false, cancellationToken);
        if (deadlineMoved)
        {
            await KeepDeadlineReminderAsync();
        }
    }

    public async Task<RoomSnapshot> EndEarlyAsync(long callerId, CancellationToken cancellationToken)
    {
        EnsureCreated();
        EnsureHost(callerId);
        EnsurePlaying();
        await EndNowAsync(callerId, cancellationToken);
        return Snapshot();
    }

    /// <summary>
    /// Finishes a started game at once, recorded as ended early by <paramref name="callerId"/>: the host's end, a facilitator's,
    /// and the server's (null) for a game everyone has left.
    /// </summary>
    private async Task EndNowAsync(long? callerId, CancellationToken cancellationToken)
    {
        var now = Now;
        await RecordEventAsync(RoomEventType.EndedEarly, userId: null, callerId, now, cancellationToken, State.CurrentRound);
        await FinishEarlyAsync(callerId, now, cancellationToken);
        StopPresenceTimers();
    }

    /// <summary>
    /// An early end whose <c>ended_early</c> row was written before a later write of its call failed: the room comes back
    /// started, and finishes as recorded (by whom, when), so the rows and the room agree, a server's end left unsaved is
    /// not lost (the sweep looks only for started rows), and a retried end is refused as any second one is.
    /// </summary>
    private Task FinishAsRecordedAsync(RoomEventRecord ended, CancellationToken cancellationToken) =>
        FinishEarlyAsync(ended.ActorId, ended.At, cancellationToken);

    private async Task FinishEarlyAsync(long? callerId, DateTime at, CancellationToken cancellationToken)
    {
        await research.RecordRoomProgressAsync(Progress(State.HostUserId, RoomPhase.Finished, State.CurrentRound, State.StartedAt, at), cancellationToken);
        State.Phase = RoomPhase.Finished;
        State.FinishedAt = at;
        State.EndedEarlyAt = at;
        State.EndedEarlyBy = callerId;
        State.DeadlineKind = null;
        State.DeadlineAt = null;
        State.FacilitatorPausedAt = null;
        await SaveAsync(writeScenario: false, cancellationToken);
        await KeepDeadlineReminderAsync();
        CountPhase();
    }

    /// <summary>Leaving a started game is a dropout on purpose: no grace, the leaver is the actor, and their sockets close.</summary>
    private async Task LeaveStartedGameAsync(ParticipantState leaving, CancellationToken cancellationToken)
    {
        if (!TakesPart(leaving))
        {
            return;
        }

        if (_graces.Remove(leaving.UserId, out var grace))
        {
            grace.Dispose();
        }

        await DropAsync(leaving, actorId: leaving.UserId, cancellationToken);
        EvictFromRealtime(leaving.UserId);
    }
}
