using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Realtime;

/// <summary>
/// A peer's relay point. Everything here is in memory: a connection re-registers itself every
/// few seconds, so a peer grain that is lost with a silo is whole again at the next renewal.
/// Who may signal whom is the room's rule: this grain relays only between the members the room
/// last told it of, and calls the room (never the other way round; the room pushes one-way).
/// </summary>
public sealed class PeerGrain(TimeProvider time) : Grain, IPeerGrain
{
    // A connection that stopped renewing (its gateway died) is not delivered to forever.
    private static readonly TimeSpan RegistrationLifetime = TimeSpan.FromMinutes(2);

    // Counted per addressee, so a receiver that sees a jump in one sender's numbers knows it
    // missed something that sender meant for it. Only members are counted, so the map stays small.
    private readonly Dictionary<long, long> _sentTo = [];
    private IPeerObserver? _observer;
    private string? _connectionId;
    private DateTimeOffset _renewedAt;

    // Null until the room has said who is seated (after an activation); empty once evicted.
    private RoomMembers? _members;

    public async Task ConnectAsync(IPeerObserver observer, string connectionId)
    {
        await LoadMembersAsync();
        if (_connectionId is not null && _connectionId != connectionId)
        {
            _observer?.OnReplaced(connectionId);
        }

        Register(observer, connectionId);
    }

    public async Task<bool> RenewAsync(IPeerObserver observer, string connectionId)
    {
        // A renewal in flight when a newer socket connected must not take the peer back.
        if (_connectionId is not null && _connectionId != connectionId)
        {
            return false;
        }

        await LoadMembersAsync();
        Register(observer, connectionId);
        return true;
    }

    public Task DisconnectAsync(string connectionId)
    {
        if (_connectionId == connectionId)
        {
            Forget();
        }

        return Task.CompletedTask;
    }

    public async Task<SendResult> SendAsync(long toUserId, string type, string payloadField, string payloadJson)
    {
        var (roomCode, self) = Identity();
        if (_members is null)
        {
            try
            {
                await LoadMembersAsync();
            }
            catch (RuleViolationException e) when (e.Kind is RuleViolationKind.Forbidden or RuleViolationKind.NotFound)
            {
                return new SendResult(false, 0, SendOutcome.SenderNotInRoom);
            }
        }

        if (!_members!.Contains(self))
        {
            return new SendResult(false, 0, SendOutcome.SenderNotInRoom);
        }

        if (!_members.Contains(toUserId))
        {
            return new SendResult(false, 0, SendOutcome.NotInRoom);
        }

        var seq = _sentTo.GetValueOrDefault(toUserId) + 1;
        _sentTo[toUserId] = seq;
        var outcome = await GrainFactory.GetGrain<IPeerGrain>(IPeerGrain.KeyOf(roomCode, toUserId))
            .DeliverAsync(new SignalEnvelope(type, self, seq, payloadField, payloadJson));
        return new SendResult(outcome == SendOutcome.Delivered, seq, outcome);
    }

    public Task<SendOutcome> DeliverAsync(SignalEnvelope envelope)
    {
        if (_observer is null || time.GetUtcNow() - _renewedAt > RegistrationLifetime)
        {
            return Task.FromResult(SendOutcome.NotConnected);
        }

        // The sender's grain checked too; this side holds its own copy of the room's word, so a
        // sender whose eviction has not reached it yet still reaches nobody.
        if (_members is null || !_members.Contains(envelope.From))
        {
            return Task.FromResult(SendOutcome.NotInRoom);
        }

        _observer.OnSignal(envelope);
        return Task.FromResult(SendOutcome.Delivered);
    }

    public Task NotifyAsync(PeerEvent peerEvent)
    {
        if (time.GetUtcNow() - _renewedAt <= RegistrationLifetime)
        {
            _observer?.OnPeerEvent(peerEvent);
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
        _sentTo.Clear();

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
            _members = await GrainFactory.GetGrain<IRoomGrain>(roomCode).RegisterPeerAsync(self);
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
        _observer = observer;
        _connectionId = connectionId;
        _renewedAt = time.GetUtcNow();
    }

    private void Forget()
    {
        _observer = null;
        _connectionId = null;
    }

    private (string RoomCode, long UserId) Identity()
    {
        var key = this.GetPrimaryKeyString();
        var separator = key.LastIndexOf(':');
        return (key[..separator], long.Parse(key.AsSpan(separator + 1), System.Globalization.CultureInfo.InvariantCulture));
    }
}
