using Dilemma.Grains.Interfaces.Realtime;

namespace Dilemma.Grains.Realtime;

/// <summary>
/// A peer's relay point. Everything here is in memory: a connection re-registers itself every
/// few seconds, so a peer grain that is lost with a silo is whole again at the next renewal.
/// </summary>
public sealed class PeerGrain(TimeProvider time) : Grain, IPeerGrain
{
    // A connection that stopped renewing (its gateway died) is not delivered to forever.
    private static readonly TimeSpan RegistrationLifetime = TimeSpan.FromMinutes(2);

    // Counted per addressee, so a receiver that sees a jump in one sender's numbers knows it
    // missed something that sender meant for it.
    private readonly Dictionary<long, long> _sentTo = [];
    private IPeerObserver? _observer;
    private string? _connectionId;
    private DateTimeOffset _renewedAt;

    public Task ConnectAsync(IPeerObserver observer, string connectionId)
    {
        if (_connectionId is not null && _connectionId != connectionId)
        {
            _observer?.OnReplaced(connectionId);
        }

        _observer = observer;
        _connectionId = connectionId;
        _renewedAt = time.GetUtcNow();
        return Task.CompletedTask;
    }

    public Task DisconnectAsync(string connectionId)
    {
        if (_connectionId == connectionId)
        {
            _observer = null;
            _connectionId = null;
        }

        return Task.CompletedTask;
    }

    public async Task<SendResult> SendAsync(long toUserId, string type, string payloadField, string payloadJson)
    {
        var (roomCode, self) = Identity();
        var seq = _sentTo.GetValueOrDefault(toUserId) + 1;
        _sentTo[toUserId] = seq;
        var delivered = await GrainFactory.GetGrain<IPeerGrain>(IPeerGrain.KeyOf(roomCode, toUserId))
            .DeliverAsync(new SignalEnvelope(type, self, seq, payloadField, payloadJson));
        return new SendResult(delivered, seq);
    }

    public Task<bool> DeliverAsync(SignalEnvelope envelope)
    {
        if (_observer is null || time.GetUtcNow() - _renewedAt > RegistrationLifetime)
        {
            return Task.FromResult(false);
        }

        _observer.OnSignal(envelope);
        return Task.FromResult(true);
    }

    public Task NotifyAsync(PeerEvent peerEvent)
    {
        if (time.GetUtcNow() - _renewedAt <= RegistrationLifetime)
        {
            _observer?.OnPeerEvent(peerEvent);
        }

        return Task.CompletedTask;
    }

    private (string RoomCode, long UserId) Identity()
    {
        var key = this.GetPrimaryKeyString();
        var separator = key.LastIndexOf(':');
        return (key[..separator], long.Parse(key.AsSpan(separator + 1), System.Globalization.CultureInfo.InvariantCulture));
    }
}
