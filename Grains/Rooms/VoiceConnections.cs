using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Grains.Interfaces.Rooms;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// The gateway connections that hold a room's voice-session sockets: Orleans' <see cref="ObserverManager{TIdentity, TObserver}"/>
/// keyed by connection id, each subscription carrying its user, so a push can skip its sender and the room can tell
/// when a user's last voice socket went. A connection that has not renewed for <see cref="ConnectionLease.Lifetime"/> is gone.
/// </summary>
internal sealed class VoiceConnections
{
    private readonly ObserverManager<string, VoiceConnection> _connections;

    // The room's clock as last passed in: the expiry swept with side effects and the push right after it must agree
    // on who has expired, or the push would drop a connection silently, without the room noting its socket gone.
    private DateTime _now;

    public VoiceConnections(ILogger logger) => _connections = new(ConnectionLease.Lifetime, logger) { GetDateTime = () => _now };

    public int Count => _connections.Count;

    public bool IsConnected(long userId) => _connections.Any(c => c.UserId == userId);

    /// <summary>Whether the user holds a connection other than <paramref name="connectionId"/>.</summary>
    public bool HasOther(long userId, string connectionId) =>
        _connections.Observers.Any(c => c.Value.UserId == userId && c.Key != connectionId);

    /// <summary>Adds the connection, or renews it (its observer too: a reactivated gateway object may be new).</summary>
    public void Subscribe(string connectionId, long userId, IRoomObserver observer, DateTimeOffset now)
    {
        _now = now.UtcDateTime;
        _connections.Subscribe(connectionId, new VoiceConnection(userId, observer));
    }

    public bool Holds(string connectionId) => _connections.Observers.ContainsKey(connectionId);

    /// <summary>Forgets one connection; false when it was not held.</summary>
    public bool Unsubscribe(string connectionId)
    {
        var held = Holds(connectionId);
        _connections.Unsubscribe(connectionId);
        return held;
    }

    /// <summary>Forgets the user's connections other than <paramref name="keep"/> (all when null) and answers their observers.</summary>
    public IReadOnlyList<IRoomObserver> UnsubscribeUser(long userId, string? keep = null)
    {
        var removed = _connections.Observers.Where(c => c.Value.UserId == userId && c.Key != keep).ToList();
        foreach (var (id, _) in removed)
        {
            _connections.Unsubscribe(id);
        }

        return removed.Select(c => c.Value.Observer).ToList();
    }

    /// <summary>Forgets the connections that stopped renewing; answers the users who had one and now have none.</summary>
    public IReadOnlyList<long> ClearExpired(DateTimeOffset now)
    {
        _now = now.UtcDateTime;
        var before = Users();
        _connections.ClearExpired();
        return before.Except(Users()).ToList();
    }

    /// <summary>A one-way push to every connection but those of <paramref name="exceptUser"/>; call <see cref="ClearExpired"/> first.</summary>
    public void Notify(Action<IRoomObserver> push, long? exceptUser) =>
        _connections.Notify(c => push(c.Observer), c => c.UserId != exceptUser);

    private HashSet<long> Users() => _connections.Select(c => c.UserId).ToHashSet();

    private sealed record VoiceConnection(long UserId, IRoomObserver Observer);
}
