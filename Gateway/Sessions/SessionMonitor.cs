using Dilemma.Gateway.Realtime;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Sessions;

namespace Dilemma.Gateway.Sessions;

/// <summary>
/// One facilitator's live monitor of a session: it watches every room of the session through the
/// rooms' observer pushes and sends each room's state on, coalesced so that a busy room costs at
/// most one message per <see cref="Interval"/> while its latest state still arrives within it; and it
/// watches the session itself, which tells it of each facilitator action once audited.
/// The monitor sends nothing the server acts on.
/// </summary>
public sealed partial class SessionMonitor(
    string sessionCode,
    SessionCaller caller,
    SocketChannel socket,
    IGrainFactory grains,
    RealtimeOptions options,
    TimeProvider time,
    ILogger logger) : IRoomObserver, ISessionObserver
{
    /// <summary>The coalescing window: a room's changes within it go out as one message.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    // How often the pending states are looked at: a quarter of the window keeps the delay under it.
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    private readonly string _connectionId = Guid.NewGuid().ToString("N");
    private readonly Lock _gate = new();
    private readonly Dictionary<string, RoomSnapshot> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _sentAt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Version, long Sequence)> _newest = new(StringComparer.Ordinal);
    private readonly HashSet<string> _watched = new(StringComparer.Ordinal);
    private DateTimeOffset? _broadcastAt;
    private IRoomObserver? _reference;
    private ISessionObserver? _sessionReference;
    private bool _sessionWatched;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Kept alive by the endpoint for the socket's life: the runtime holds observers weakly.
        var reference = grains.CreateObjectReference<IRoomObserver>(this);
        _reference = reference;
        var sessionReference = grains.CreateObjectReference<ISessionObserver>(this);
        _sessionReference = sessionReference;
        try
        {
            await WatchOrLetGoAsync(cancellationToken);
            var renewal = RenewAsync(socket.Closing);
            var flushing = FlushAsync(socket.Closing);
            await socket.RunAsync(message =>
            {
                socket.Refuse("unknown_type", $"The monitor only pushes; it takes no messages ({message.Type}).");
                return Task.CompletedTask;
            }, cancellationToken);
            await Task.WhenAll(renewal, flushing);
        }
        finally
        {
            if (_sessionWatched)
            {
                await SocketCleanup.RunAsync(() => grains.GetGrain<ISessionGrain>(sessionCode).UnwatchAsync(_connectionId), logger);
            }

            foreach (var room in _watched)
            {
                await SocketCleanup.RunAsync(() => grains.GetGrain<IFacilitatedRoomGrain>(room).UnwatchForSessionAsync(_connectionId), logger);
            }

            SocketCleanup.ReleaseLater(grains, reference, this);
            SocketCleanup.ReleaseLater(grains, sessionReference, this);
        }
    }

    public void OnRoomUpdated(RoomSnapshot room)
    {
        lock (_gate)
        {
            // Pushes may arrive out of order: one older than the newest seen (waiting or sent) is dropped, so a late
            // push never overwrites a newer state nor goes out after it.
            var order = (room.Version, room.MonitorSequence);
            if (_newest.TryGetValue(room.Code, out var newest) && order.CompareTo(newest) <= 0)
            {
                return;
            }

            _newest[room.Code] = order;
            _pending[room.Code] = room;
        }
    }

    // The monitor reads presence and voice from the room's state; the voice socket's other pushes are not for it.
    public void OnVoiceStatus(VoiceStatus status)
    {
    }

    public void OnRecording(RecordingState recording)
    {
    }

    public void OnPresence(long userId, bool connected)
    {
    }

    public void OnParticipantEvent(string type, long userId, DateTimeOffset at)
    {
    }

    // Every room of the session pushes the same broadcast: the monitor tells of it once, as it reaches the rooms. That is
    // before its audit row is written, so a console reads its log on the session's facilitator_action instead; this message
    // stays, as the monitor's contract has it.
    public void OnFacilitatorMessage(string message, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (_broadcastAt == at)
            {
                return;
            }

            _broadcastAt = at;
        }

        socket.Send(new FacilitatorMessageSent("facilitator_message", message, at));
    }

    public void OnFacilitatorAction(FacilitatorActionEntry entry) =>
        socket.Send(new FacilitatorActionTaken("facilitator_action", entry.Action, entry.RoomCode, entry.OccurredAt));

    public void OnReplaced()
    {
    }

    public void OnNoLongerParticipant()
    {
    }

    /// <summary>
    /// Registers with the session and every room of it (the session's answer says which; rooms opened since the last
    /// call are new) and queues each room's current state. Called again each renewal, which also renews.
    /// </summary>
    private async Task WatchRoomsAsync(CancellationToken cancellationToken)
    {
        var watch = await grains.GetGrain<ISessionGrain>(sessionCode).WatchAsync(caller, _connectionId, _sessionReference!, cancellationToken);
        if (_sessionWatched && !watch.Known)
        {
            // The session lost this monitor (reactivated, its silo gone): actions audited meanwhile were never pushed. Closed,
            // the console connects again and reads its log anew, as after any drop, rather than miss them until the next one.
            LogSessionForgot(logger, sessionCode);
            socket.Close(CloseCodes.TryAgainLater, "session reactivated");
        }

        _sessionWatched = true;
        var session = watch.Session;
        var snapshots = await Task.WhenAll(session.Rooms.Select(r =>
            grains.GetGrain<IFacilitatedRoomGrain>(r.RoomCode).WatchForSessionAsync(sessionCode, _connectionId, _reference!, cancellationToken)));
        foreach (var snapshot in snapshots.OfType<RoomSnapshot>())
        {
            _watched.Add(snapshot.Code);
            OnRoomUpdated(snapshot);
        }
    }

    /// <summary><see cref="WatchRoomsAsync"/>, or the socket closed with 4003 when the session no longer lets this caller watch.</summary>
    private async Task WatchOrLetGoAsync(CancellationToken cancellationToken)
    {
        try
        {
            await WatchRoomsAsync(cancellationToken);
        }
        catch (RuleViolationException e) when (e.Kind == RuleViolationKind.Forbidden)
        {
            // The session judges every registration by the roles stored now: the facilitator or admin role that let this
            // socket in (written in its access token) has been taken away since.
            socket.Close(CloseCodes.NotParticipant, e.Code);
        }
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.RenewSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await WatchOrLetGoAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The socket is closing.
        }
        catch (Exception e) when (ClusterFaults.MendedByReconnecting(e))
        {
            // Without renewals the rooms forget this monitor: the facilitator reconnects rather than watch a stale screen.
            LogRenewFailed(logger, sessionCode, e.GetType().Name);
            socket.Close(CloseCodes.TryAgainLater, "cluster unavailable");
        }
    }

    /// <summary>Sends each room's latest state once its window since the last message has passed.</summary>
    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Tick, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                // One time for the window's bookkeeping and the messages' sent_at, so sent_at shows the spacing kept.
                var now = time.GetUtcNow();
                foreach (var room in Due(now))
                {
                    socket.Send(RoomStatusMessage.Of(room, now));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The socket is closing.
        }
    }

    private List<RoomSnapshot> Due(DateTimeOffset now)
    {
        lock (_gate)
        {
            var due = _pending.Values.Where(r => !_sentAt.TryGetValue(r.Code, out var sent) || now - sent >= Interval).ToList();
            foreach (var room in due)
            {
                _pending.Remove(room.Code);
                _sentAt[room.Code] = now;
            }

            return due;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionCode} had forgotten its monitor; closing it so the console reads its action log again")]
    private static partial void LogSessionForgot(ILogger logger, string sessionCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session monitor of {SessionCode} could not renew ({Reason}); closing it")]
    private static partial void LogRenewFailed(ILogger logger, string sessionCode, string reason);
}

/// <summary>
/// One room as the monitor shows it: phase, round, the running deadline and the seconds left on it,
/// who has chosen this round (never what), and each seat's presence and whether a bot plays it.
/// <paramref name="SentAt"/> is when the monitor let it go, by the server's clock: a room's are at least
/// <see cref="SessionMonitor.Interval"/> apart, which arrival times show only up to the delivery's jitter.
/// </summary>
public sealed record RoomStatusMessage(
    string Type,
    string RoomCode,
    string Phase,
    int Round,
    bool Paused,
    DateTimeOffset? PausedAt,
    string? DeadlineKind,
    DateTimeOffset? DeadlineAt,
    int? SecondsLeft,
    IReadOnlyList<long> Chosen,
    IReadOnlyList<MonitoredSeat> Participants,
    IReadOnlyList<MonitoredLink> Links,
    int Version,
    DateTimeOffset SentAt)
{
    public static RoomStatusMessage Of(RoomSnapshot room, DateTimeOffset now) => new(
        "room_status",
        room.Code,
        RoomPhases.Word(room.Phase),
        room.CurrentRound,
        room.Paused,
        room.PausedAt,
        room.DeadlineKind,
        room.DeadlineAt,
        // A paused room's deadline stands still from the pause: what is left is what was left then.
        room.DeadlineAt is { } at ? (int)Math.Max(0, Math.Ceiling((at - (room.PausedAt ?? now)).TotalSeconds)) : null,
        room.ChosenThisRound,
        room.Participants.Select(p => new MonitoredSeat(p.UserId, p.Nickname, p.RoleId, p.Presence, p.IsBot, room.Connected?.Contains(p.UserId) ?? false)).ToList(),
        (room.Links ?? []).Select(l => new MonitoredLink(l.UserId, l.PeerUserId, l.State, l.Relayed)).ToList(),
        room.Version,
        now);
}

/// <summary>One WebRTC link as its sender's browser last reported it (<c>link_state</c> on the voice socket).</summary>
public sealed record MonitoredLink(long UserId, long PeerUserId, string State, bool Relayed);

/// <summary>A seat as the monitor shows it; <paramref name="Connected"/>: a socket of theirs is open, so the room refuses to remove them.</summary>
public sealed record MonitoredSeat(long UserId, string Nickname, int? RoleId, string Presence, bool IsBot, bool Connected);

/// <summary>A broadcast of the session's facilitator went out to its rooms (from this console or another).</summary>
public sealed record FacilitatorMessageSent(string Type, string Message, DateTimeOffset At);

/// <summary>
/// A facilitator action (from this console or another) has been audited: its row is in <c>GET /sessions/{code}/actions</c>
/// from now on. <paramref name="Action"/> is its word in that log, <paramref name="At"/> its <c>occurred_at</c>.
/// </summary>
public sealed record FacilitatorActionTaken(string Type, string Action, string? RoomCode, DateTimeOffset At);
