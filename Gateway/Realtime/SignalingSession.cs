using Dilemma.Gateway.Ice;
using Dilemma.Gateway.Telemetry;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Gateway.Realtime;

/// <summary>
/// One signaling socket: what the client sends goes to grains with <c>from</c> taken from the
/// authenticated user; what grains push (relayed messages, presence) goes out through the
/// socket's single send queue.
/// </summary>
public sealed partial class SignalingSession(
    string roomCode,
    long userId,
    SocketChannel socket,
    IGrainFactory grains,
    IIceConfigSource ice,
    TimeProvider time,
    RealtimeOptions options,
    EdgeMetrics metrics,
    LocalPeerConnections? localConnections,
    ILogger logger) : IPeerObserver
{
    private readonly string _connectionId = Guid.NewGuid().ToString("N");
    private readonly Lock _membersLock = new();

    // The addressees' grain references, built once: a reference costs a key string and an id per
    // message otherwise. Only the receive loop touches it, and only for seated peers, so it stays small.
    private readonly Dictionary<long, IPeerGrain> _addressees = [];
    private IPeerObserver? _reference;
    private bool _joined;

    // The room's seats as the peer grain last said: a message to anyone else is refused here,
    // so a guessed id never activates a grain. Written by grain pushes, read by the receive loop.
    private RoomMembers _members = new([], -1);

    // Built once: Orleans resolves the interface by reflection and type-name formatting on every GetGrain.
    private IPeerGrain Self => field ??= grains.GetGrain<IPeerGrain>(IPeerGrain.KeyOf(roomCode, userId));

    private IRoomPresence Room => field ??= grains.GetGrain<IRoomPresence>(roomCode);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // The runtime holds observers weakly: this session object stays referenced by the
        // endpoint for the socket's whole life, which keeps the reference alive.
        var reference = grains.CreateObjectReference<IPeerObserver>(this);
        _reference = reference;

        // Embedded mode: the peer grain, in this process, calls this session directly rather than through the reference.
        using var direct = localConnections?.Add(_connectionId, this);
        try
        {
            await ConnectAsync();
            var renewal = RenewAsync(socket.Closing);
            var iceRefresh = RefreshIceAsync(socket.Closing);
            await socket.RunAsync(HandleAsync, cancellationToken);
            await Task.WhenAll(renewal, iceRefresh);
        }
        finally
        {
            await SocketCleanup.RunAsync(
                async () =>
                {
                    await Self.DisconnectAsync(_connectionId);
                    await Room.LeaveSignalingAsync(userId, _connectionId);
                },
                logger);
            SocketCleanup.ReleaseLater(grains, reference, this);
        }
    }

    public void OnSignal(SignalEnvelope envelope, long seq)
    {
        var (frame, length) = RelayFrame.Write(envelope, seq);
        socket.SendPooled(frame, length);
        if (envelope.ArrivedAt > 0)
        {
            metrics.Relayed(envelope.ArrivedAt);
        }
    }

    public void OnRefused(long addressee, SendOutcome outcome)
    {
        switch (outcome)
        {
            case SendOutcome.NotConnected:
                socket.SendError("peer_not_connected", $"Peer {addressee} has no signaling socket in this room.");
                break;
            case SendOutcome.NotInRoom:
                // Only the peers the room seats are addressable; guessing ids counts as abuse.
                socket.Refuse("peer_not_in_room", $"Peer {addressee} is not a participant of this room.");
                break;
            case SendOutcome.SenderNotInRoom:
                socket.SendError("not_participant", "You are not a participant of this room.");
                socket.Close(CloseCodes.NotParticipant, "not_participant");
                break;
        }
    }

    public void OnMembers(RoomMembers members)
    {
        lock (_membersLock)
        {
            // Pushes and answers can arrive out of order; the room's version says which is newer.
            if (members.Version >= _members.Version)
            {
                _members = members;
            }
        }
    }

    public void OnPeerEvent(PeerEvent peerEvent) =>
        socket.Send(new PeerEventMessage(peerEvent.Type, peerEvent.Peer.PeerId, peerEvent.Peer.Nickname, peerEvent.Peer.RoleId, peerEvent.Peer.Polite));

    public void OnReplaced(string byConnectionId) => socket.Close(CloseCodes.Replaced, "replaced by a newer connection");

    public void OnNoLongerParticipant()
    {
        // Before the close: whatever the client still sends after hearing it is relayed to nobody,
        // even if an addressee's grain has not heard of the departure yet.
        lock (_membersLock)
        {
            _members = new RoomMembers([], long.MaxValue);
        }

        socket.Close(CloseCodes.NotParticipant, "not_participant");
    }

    /// <summary>Registers with the peer grain; a user who left between the upgrade and now gets 4003.</summary>
    private async Task ConnectAsync()
    {
        try
        {
            OnMembers(await Self.ConnectAsync(_reference!, _connectionId));
        }
        catch (RuleViolationException e)
        {
            LogRenewalRefused(logger, e.Code);
            socket.Close(CloseCodes.NotParticipant, e.Code);
        }
    }

    private async Task HandleAsync(SocketMessage message)
    {
        switch (message.Type)
        {
            case "join":
                var peers = await Room.JoinSignalingAsync(userId, _connectionId);
                _joined = true;
                socket.Send(new PeersMessage("peers", peers.Select(p => new PeerEntry(p.PeerId, p.Nickname, p.RoleId, p.Polite)).ToList()));
                break;
            case "offer" or "answer":
                await RelayAsync(message, "sdp");
                break;
            case "candidate":
                await RelayAsync(message, "candidate");
                break;
            case "ping":
                socket.Send(new TypeOnly("pong"));
                break;
            default:
                socket.Refuse("unknown_type", $"Unknown message type '{Truncate(message.Type)}'; send join, offer, answer or candidate.");
                break;
        }
    }

    private Task RelayAsync(SocketMessage message, string payloadField)
    {
        var arrivedAt = DateTime.UtcNow.Ticks;
        var type = message.Type;
        var (to, payload) = RelayRequest.Read(message.Utf8.Span, payloadField == "sdp" ? "sdp"u8 : "candidate"u8);
        if (to is not { } toUserId)
        {
            socket.Refuse("invalid_message", $"A {type} needs \"to\": the addressee's peer_id.");
            return Task.CompletedTask;
        }

        if (payload is null)
        {
            socket.Refuse("invalid_message", $"A {type} needs \"{payloadField}\".");
            return Task.CompletedTask;
        }

        if (toUserId == userId)
        {
            socket.Refuse("invalid_message", "A peer does not signal itself.");
            return Task.CompletedTask;
        }

        var members = Volatile.Read(ref _members);
        if (!members.Contains(userId))
        {
            // The room no longer seats this user (the close is on its way): nothing is relayed.
            socket.SendError("not_participant", "You are not a participant of this room.");
            return Task.CompletedTask;
        }

        if (!members.Contains(toUserId))
        {
            // Only the peers the room seats are addressable; guessing ids counts as abuse.
            socket.Refuse("peer_not_in_room", $"Peer {toUserId} is not a participant of this room.");
            return Task.CompletedTask;
        }

        // One-way: the receive loop does not wait for the addressee's grain; a refusal comes back as OnRefused.
        return Addressee(toUserId).DeliverAsync(new SignalEnvelope(type, userId, payloadField, payload, arrivedAt));
    }

    private IPeerGrain Addressee(long toUserId)
    {
        if (!_addressees.TryGetValue(toUserId, out var grain))
        {
            grain = grains.GetGrain<IPeerGrain>(IPeerGrain.KeyOf(roomCode, toUserId));
            _addressees[toUserId] = grain;
        }

        return grain;
    }

    private static string Truncate(string text) => text.Length <= 32 ? text : text[..32];

    /// <summary>Registrations live in memory on silos; renewing them survives a silo restart or a grain deactivation.</summary>
    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.RenewSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var members = await Self.RenewAsync(_reference!, _connectionId);
                if (members is null)
                {
                    socket.Close(CloseCodes.Replaced, "replaced by a newer connection");
                    return;
                }

                OnMembers(members);

                if (_joined)
                {
                    await Room.JoinSignalingAsync(userId, _connectionId, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The socket closed.
        }
        catch (RuleViolationException e)
        {
            LogRenewalRefused(logger, e.Code);
            socket.Close(CloseCodes.NotParticipant, e.Code);
        }
        catch (Exception e) when (ClusterFaults.MendedByReconnecting(e))
        {
            LogRenewalFailed(logger, e.GetType().Name);
            socket.Close(CloseCodes.TryAgainLater, "cluster unavailable");
        }
    }

    /// <summary>
    /// Pushes fresh ICE servers a little before the TURN credentials of this user expire, so a
    /// call that outlives its credentials can still restart ICE. Nothing to do without TURN.
    /// </summary>
    private async Task RefreshIceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var config = await ice.GetAsync(userId, cancellationToken);
            while (config.TurnEnabled)
            {
                var lead = TimeSpan.FromSeconds(Math.Min(options.IceRefreshLeadSeconds, config.Ttl * 0.9));
                var wait = config.ExpiresAt - lead - time.GetUtcNow();
                await Task.Delay(wait > TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1), time, cancellationToken);
                config = await ice.GetAsync(userId, cancellationToken);
                socket.Send(new IceConfigRefresh(config));
            }
        }
        catch (OperationCanceledException)
        {
            // The socket closed.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Signaling renewal failed ({Reason}); closing the socket so that its client reconnects")]
    private static partial void LogRenewalFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Signaling renewal refused ({Code}); closing the socket")]
    private static partial void LogRenewalRefused(ILogger logger, string code);

    private sealed record TypeOnly(string Type);

    private sealed record PeerEntry(long PeerId, string Nickname, int? RoleId, bool Polite);

    private sealed record PeersMessage(string Type, IReadOnlyList<PeerEntry> Peers);

    private sealed record PeerEventMessage(string Type, long PeerId, string Nickname, int? RoleId, bool Polite);
}
