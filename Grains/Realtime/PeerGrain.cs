using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Realtime;

/// <summary>
/// A peer's relay point. Everything here is in memory: a connection re-registers itself well within
/// <see cref="ConnectionLease.Lifetime"/>, so a peer grain that is lost with a silo is whole again at the next renewal.
/// Who may signal whom is the room's rule: this grain relays only between the members the room
/// last told it of, and calls the room (never the other way round; the room pushes one-way).
/// </summary>
// One per socket: its renewals keep it while the socket is open; after that it holds nothing worth the general collection age.
[CollectionAgeLimit(Minutes = 2)]
public sealed class PeerGrain(TimeProvider time, LocalPeerConnections localConnections) : Grain, IPeerGrain
{
    // Counted per sender, so a receiver that sees a jump in one sender's numbers knows it missed
    // something that sender meant for it. Kept here, on the addressee's side, because that is the
    // one grain a message passes through. Only members are counted, so the map stays small.
    private readonly Dictionary<long, long> _receivedFrom = [];
    private IPeerObserver? _observer;
    private string? _connectionId;
    private DateTimeOffset _renewedAt;

    // Null until the room has said who is seated (after an activation); empty once evicted.
    private RoomMembers? _members;
    private (string RoomCode, long UserId)? _identity;
    private IRoomPresence? _room;

    public async Task<RoomMembers> ConnectAsync(IPeerObserver observer, string connectionId)
    {
        await LoadMembersAsync();
        if (_connectionId is not null && _connectionId != connectionId)
        {
            _observer?.OnReplaced(connectionId);
        }

        Register(observer, connectionId);
        return _members!;
    }

    public async Task<RoomMembers?> RenewAsync(IPeerObserver observer, string connectionId)
    {
        // A renewal in flight when a newer socket connected must not take the peer back.
        if (_connectionId is not null && _connectionId != connectionId)
        {
            return null;
        }

        await LoadMembersAsync();
        Register(observer, connectionId);
        return _members;
    }

    public Task DisconnectAsync(string connectionId)
    {
        if (_connectionId == connectionId)
        {
            Forget();
        }

        return Task.CompletedTask;
    }

    public async Task DeliverAsync(SignalEnvelope envelope)
    {
        var outcome = await RelayAsync(envelope);
        if (outcome != SendOutcome.Delivered)
        {
            // The sender's connection is known only to the sender's grain; the call is one-way, like this one.
            await GrainFactory.GetGrain<IPeerGrain>(IPeerGrain.KeyOf(Identity().RoomCode, envelope.From)).RefusedAsync(Identity().UserId, outcome);
        }
    }

    public Task RefusedAsync(long addressee, SendOutcome outcome)
    {
        if (IsConnected)
        {
            _observer!.OnRefused(addressee, outcome);
        }

        return Task.CompletedTask;
    }

    private async ValueTask<SendOutcome> RelayAsync(SignalEnvelope envelope)
    {
        var self = Identity().UserId;
        if (_members is null || !_members.Contains(envelope.From))
        {
            // This copy of the room's word may lag a join (or this grain was just activated): the
            // room's direct answer decides before a sender is told it is not seated.
            try
            {
                await LoadMembersAsync();
            }
            catch (RuleViolationException e) when (e.Kind is RuleViolationKind.Forbidden)
            {
                return SendOutcome.NotInRoom;
            }
            catch (RuleViolationException e) when (e.Kind is RuleViolationKind.NotFound)
            {
                return SendOutcome.SenderNotInRoom;
            }

            if (!_members!.Contains(envelope.From))
            {
                return SendOutcome.SenderNotInRoom;
            }
        }

        if (!_members.Contains(self))
        {
            return SendOutcome.NotInRoom;
        }

        // Numbered before the connection is checked: a message this peer missed for want of a
        // socket is a gap the sender's next message shows.
        var seq = _receivedFrom.GetValueOrDefault(envelope.From) + 1;
        _receivedFrom[envelope.From] = seq;
        if (!IsConnected)
        {
            return SendOutcome.NotConnected;
        }

        _observer!.OnSignal(envelope, seq);
        return SendOutcome.Delivered;
    }

    public Task NotifyAsync(PeerEvent peerEvent)
    {
        if (IsConnected)
        {
            _observer!.OnPeerEvent(peerEvent);
        }

        return Task.CompletedTask;
    }

    public Task UpdateMembersAsync(RoomMembers members)
    {
        if (_members is null || members.Version >= _members.Version)
        {
            _members = members;
            if (!members.Contains(Identity().UserId))
            {
                return EvictAsync(members.Version);
            }

            // Someone who left and comes back starts counting again, as a new sender.
            foreach (var sender in _receivedFrom.Keys.Where(sender => !members.Contains(sender)).ToList())
            {
                _receivedFrom.Remove(sender);
            }

            if (IsConnected)
            {
                _observer!.OnMembers(members);
            }
        }

        return Task.CompletedTask;
    }

    public Task EvictAsync(long roomVersion)
    {
        // Applied whatever the versions say: closing a socket too many is repaired by reconnecting,
        // keeping one open too many is the eavesdropping this rule exists to stop.
        _observer?.OnNoLongerParticipant();
        Forget();
        _members = new RoomMembers([], roomVersion);
        _receivedFrom.Clear();

        // Nothing left worth keeping: a later activation asks the room again and hears the same.
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    /// <summary>Asks the room who is seated; <c>not_participant</c> when this peer is not.</summary>
    private async Task LoadMembersAsync()
    {
        var (roomCode, self) = Identity();
        try
        {
            // The room's direct answer is the truth, whatever version a push carried before.
            _members = await Room(roomCode).RegisterPeerAsync(self);
        }
        catch (RuleViolationException e) when (e.Kind is RuleViolationKind.Forbidden or RuleViolationKind.NotFound)
        {
            _observer?.OnNoLongerParticipant();
            Forget();
            _members = new RoomMembers([], _members?.Version ?? 0);
            throw;
        }
    }

    private void Register(IPeerObserver observer, string connectionId)
    {
        // A socket of this process (embedded mode) is called directly; the reference stays the way to any other.
        _observer = localConnections.Find(connectionId) ?? observer;
        _connectionId = connectionId;
        _renewedAt = time.GetUtcNow();
    }

    private bool IsConnected => _observer is not null && time.GetUtcNow() - _renewedAt <= ConnectionLease.Lifetime;

    private void Forget()
    {
        _observer = null;
        _connectionId = null;
    }

    // Built once per activation: Orleans resolves the interface by reflection on every GetGrain, and every renewal asks the room.
    private IRoomPresence Room(string roomCode) => _room ??= GrainFactory.GetGrain<IRoomPresence>(roomCode);

    // Parsed once per activation: every relayed message asks who this peer is.
    private (string RoomCode, long UserId) Identity() => _identity ??= ParseKey();

    private (string RoomCode, long UserId) ParseKey()
    {
        var key = this.GetPrimaryKeyString();
        var separator = key.LastIndexOf(':');
        return (key[..separator], long.Parse(key.AsSpan(separator + 1), System.Globalization.CultureInfo.InvariantCulture));
    }
}
