namespace Dilemma.Grains.Rooms;

/// <summary>
/// Who has a signaling socket open in a room: each user's current connection and when it last renewed. Not an
/// observer registry (signaling reaches a socket through the user's peer grain), so it keeps only what presence
/// needs: whether a join is a new socket, whether a goodbye is from the current one, and who stopped renewing.
/// </summary>
internal sealed class SignalingSockets
{
    private readonly Dictionary<long, (string ConnectionId, DateTimeOffset RenewedAt)> _sockets = [];

    public int Count => _sockets.Count;

    /// <summary>The users with a socket open.</summary>
    public IEnumerable<long> Users => _sockets.Keys;

    public bool IsOpen(long userId) => _sockets.ContainsKey(userId);

    /// <summary>Records a join or renewal; true when it is a new socket for the user (none before, or another one).</summary>
    public bool Renew(long userId, string connectionId, DateTimeOffset now)
    {
        var isNew = !IsCurrent(userId, connectionId);
        _sockets[userId] = (connectionId, now);
        return isNew;
    }

    public bool IsCurrent(long userId, string connectionId) =>
        _sockets.TryGetValue(userId, out var current) && current.ConnectionId == connectionId;

    /// <summary>Forgets the user's socket; false when none was open.</summary>
    public bool Close(long userId) => _sockets.Remove(userId);

    /// <summary>The users whose socket has not renewed for <paramref name="lifetime"/>.</summary>
    public IReadOnlyList<long> Expired(DateTimeOffset now, TimeSpan lifetime) =>
        _sockets.Where(s => s.Value.RenewedAt < now - lifetime).Select(s => s.Key).ToList();
}
