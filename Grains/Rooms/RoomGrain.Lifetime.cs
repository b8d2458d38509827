using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// Who may see the room, and how it ends without a game: the last participant leaving, or
/// nobody connected for <c>Rooms:AbandonedAfterSeconds</c>. A closed room is unlisted and answers
/// 404 to everyone, like a code nobody opened. A started game everyone has left ends after
/// <c>Rooms:LeftGameEndsAfterSeconds</c>, as a host's end would.
/// </summary>
public sealed partial class RoomGrain
{
    private IGrainTimer? _abandonment;
    private DateTimeOffset _lastPresence;
    private RoomOptions? _options;

    private enum RoomAccess
    {
        None,
        Summary,
        Full,
    }

    private RoomOptions Options => _options ??= ServiceProvider.GetRequiredService<IOptions<RoomOptions>>().Value;

    public async Task<RoomView> ViewAsync(RoomViewer viewer, CancellationToken cancellationToken)
    {
        EnsureCreated();
        return await AccessOfAsync(viewer, cancellationToken) switch
        {
            RoomAccess.Full => new RoomView(new RoomDetails(Snapshot(), Scenario), null),
            RoomAccess.Summary => new RoomView(null, Summary()),
            _ => throw RoomNotFound(),
        };
    }

    public async Task<bool> CloseIfAbandonedAsync(CancellationToken cancellationToken)
    {
        if (!State.Created)
        {
            return await CloseUncreatedAsync(cancellationToken);
        }

        if (!IsOpenAndWaiting())
        {
            return false;
        }

        if (!IsAbandoned())
        {
            // The sweep asks only rooms older than the abandonment time, about once a period each.
            await ReleaseUnseatedAsync(Options.AbandonedAfter, cancellationToken);
            return false;
        }

        await CloseAsync(cancellationToken);
        return true;
    }

    public async Task<bool> EndIfLeftAsync(CancellationToken cancellationToken)
    {
        // The sweep asks only about games with no row that old; an activation the question itself woke has seen nobody.
        if (!State.Created || State.ClosedAt is not null || State.Phase != RoomPhase.Started || !NobodyFor(Options.LeftGameEndsAfter))
        {
            return false;
        }

        await EndNowAsync(callerId: null, cancellationToken);
        return true;
    }

    public async Task<bool> ForgetAsync(CancellationToken cancellationToken)
    {
        // A game left unfinished goes too, but only one nobody is in: no socket open and no change for Rooms:AbandonedAfterSeconds.
        // The sweep asks only about games whose last row is that old; an activation the question itself woke has seen nobody.
        var ended = !State.Created || State.ClosedAt is not null || State.Phase == RoomPhase.Finished;
        if (!ended && !(State.Phase == RoomPhase.Started && IsAbandoned()))
        {
            return false;
        }

        // The room first: should the second step fail, what is left is a scenario nobody reads, never a room without its scenario.
        await room.ClearStateAsync(cancellationToken);
        await scenario.ClearStateAsync(cancellationToken);
        DeactivateOnIdle();
        return true;
    }

    /// <summary>The one same answer for unknown, closed and hidden rooms, so a code cannot be probed.</summary>
    private static RuleViolationException RoomNotFound() => RuleViolationException.NotFound("room_not_found", "No room has this code.");

    /// <summary>
    /// A non-participant where participants only may act: told so when the room is one they may see
    /// (a public waiting room), else answered as if the room did not exist.
    /// </summary>
    private RuleViolationException Outsider() =>
        State.IsPublic && State.Phase == RoomPhase.Waiting
            ? RuleViolationException.Forbidden("not_participant", "You are not a participant of this room.")
            : RoomNotFound();

    /// <summary>
    /// The visibility rule: participants and researchers (and facilitators of the room's session) see all; others a public
    /// waiting room's summary. A role is judged by the access token and by the roles stored now: the token outlives a role
    /// taken away by up to <c>Auth:AccessTokenMinutes</c>. Participants, the many, cost no such read.
    /// </summary>
    private async ValueTask<RoomAccess> AccessOfAsync(RoomViewer viewer, CancellationToken cancellationToken)
    {
        if (Find(viewer.UserId) is not null)
        {
            return RoomAccess.Full;
        }

        if (SeesAllByRole(viewer))
        {
            var stored = await GrainFactory.GetGrain<IUserGrain>(viewer.UserId).GetRolesAsync(cancellationToken);
            if (SeesAllByRole(viewer with { Roles = stored.Roles }))
            {
                return RoomAccess.Full;
            }
        }

        return State.IsPublic && State.Phase == RoomPhase.Waiting ? RoomAccess.Summary : RoomAccess.None;
    }

    /// <summary>A researcher sees every room, and a facilitator the rooms of the sessions they run: the room keeps its session's facilitator (see RoomGrain.Facilitation.cs).</summary>
    private bool SeesAllByRole(RoomViewer viewer) =>
        viewer.Has(RoomViewer.Researcher)
        || (viewer.Has(RoomViewer.Facilitator) && State.SessionCode is not null && State.SessionFacilitatorId == viewer.UserId);

    private RoomListing Summary() => new(Code, State.Title, State.Topic, State.Participants.Count, State.Phase, Utc(State.CreatedAt));

    private bool IsOpenAndWaiting() => State.Created && State.ClosedAt is null && State.Phase == RoomPhase.Waiting;

    /// <summary>
    /// A waiting room checks itself every <c>Rooms:SweepSeconds</c>; the timer keeps the activation
    /// alive, so the clock of who was last connected (kept in memory, like the sockets themselves)
    /// is not lost to idle collection. A room whose activation is lost anyway (its silo stopped) is
    /// found again by <see cref="RoomSweepService"/>, and its clock starts again at reactivation.
    /// </summary>
    private void WatchForAbandonment()
    {
        if (_abandonment is not null || !IsOpenAndWaiting())
        {
            return;
        }

        NotePresence();
        _abandonment = this.RegisterGrainTimer(
            async cancellationToken =>
            {
                if (IsOpenAndWaiting() && IsAbandoned())
                {
                    await CloseAsync(cancellationToken);
                }
            },
            new GrainTimerCreationOptions(Options.SweepPeriod, Options.SweepPeriod) { KeepAlive = true });
    }

    private void StopWatchingForAbandonment()
    {
        _abandonment?.Dispose();
        _abandonment = null;
    }

    /// <summary>Someone is (or just was) here: a socket registered, renewed or closed, or the room changed.</summary>
    private void NotePresence() => _lastPresence = time.GetUtcNow();

    private bool IsAbandoned() => NobodyFor(Options.AbandonedAfter);

    /// <summary>No signaling or voice socket open now, and none open and no change for <paramref name="period"/>.</summary>
    private bool NobodyFor(TimeSpan period)
    {
        DropExpiredSignaling();
        DropExpiredVoice();
        if (_signaling.Count > 0 || _voice.Count > 0)
        {
            NotePresence();
            return false;
        }

        return time.GetUtcNow() - _lastPresence >= period;
    }

    /// <summary>The last one out closes the room: nobody is left to host or start it, and quick join must not seat strangers in it.</summary>
    private async Task CloseAfterLastLeaverAsync(ParticipantState leaving, CancellationToken cancellationToken)
    {
        await research.RecordLeaveAsync(Code, leaving.UserId, Now, cancellationToken);
        await RecordClosedAsync(cancellationToken);
        State.Participants.Remove(leaving);
        EvictFromRealtime(leaving.UserId);
        await SaveClosedAsync(cancellationToken);
    }

    private async Task CloseAsync(CancellationToken cancellationToken)
    {
        await ReleaseUnseatedAsync(TimeSpan.Zero, cancellationToken);
        await RecordClosedAsync(cancellationToken);
        await SaveClosedAsync(cancellationToken);

        // The room has ended for whoever still holds a seat: their peer grains must relay nothing more.
        foreach (var participant in State.Participants)
        {
            EvictFromRealtime(participant.UserId);
        }
    }

    /// <summary>
    /// A creation whose rows were written and whose state write then failed (or was cancelled between) left a waiting row,
    /// and its creator's seat, behind a room that answers 404: listed, offered by quick join, and its creator "in a game"
    /// to the eraser for good. The creator's retry (the same code) finishes it in place; one not retried by the abandonment
    /// time never will be, so the rows are closed as an abandoned room's are. This call runs alone in the room, so no
    /// creation is half-way; the age, checked by the store against the row, keeps a retry that just rewrote it.
    /// <para>
    /// Such a creation also left the scenario it wrote just before the room's state (the room's whole ~20 KB copy of it):
    /// in cluster mode a row of <c>OrleansStorage</c> that nothing reads, and nothing else removes, since a closed code is
    /// never opened again. It goes first, so a failure here leaves the rows waiting and the next sweep does both; a retry
    /// that comes after all writes the scenario again, as every creation does.
    /// </para>
    /// </summary>
    private async Task<bool> CloseUncreatedAsync(CancellationToken cancellationToken)
    {
        if (scenario.RecordExists)
        {
            await scenario.ClearStateAsync(cancellationToken);
        }

        var now = Now;
        var closed = await research.CloseUncreatedRoomAsync(Code, now - Options.AbandonedAfter, now, cancellationToken);
        DeactivateOnIdle();
        return closed;
    }

    /// <summary>
    /// A join or bot seating whose row was written and whose save failed left a seat in the rows the room does not have:
    /// counted in the listing and, to the eraser, its user still waiting in the room. Its retry writes the row again and
    /// seats it (a bot's takes the recorded bot), so only seats older than <paramref name="olderThan"/> are released: one
    /// a retry may still come for is not, while a room that closes keeps none.
    /// </summary>
    private Task ReleaseUnseatedAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        var now = Now;
        return research.ReleaseUnseatedAsync(Code, State.Participants.Select(p => p.UserId).ToList(), now - olderThan, now, cancellationToken);
    }

    // Status "closed" takes the room out of the listings and quick join, which read the research tables.
    private Task RecordClosedAsync(CancellationToken cancellationToken) =>
        research.RecordRoomProgressAsync(new RoomProgress(Code, RoomStatus.Closed, State.CurrentRound, State.HostUserId, State.StartedAt, null), cancellationToken);

    private async Task SaveClosedAsync(CancellationToken cancellationToken)
    {
        State.ClosedAt = Now;
        await SaveAsync(writeScenario: false, cancellationToken);

        // Only now: disposing the timer cancels the token of its callback, which may be this very call.
        StopWatchingForAbandonment();
        DeactivateOnIdle();
    }
}
