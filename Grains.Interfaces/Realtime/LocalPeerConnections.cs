using System.Collections.Concurrent;

namespace Dilemma.Grains.Interfaces.Realtime;

/// <summary>
/// The signaling connections held by this very process: in embedded mode the gateway's sockets live beside the grains.
/// A peer grain hands such a connection its pushes by a plain call, where its observer reference would cost an Orleans
/// message, two queue hops and their thread wake-ups per relayed message (docs/benchmarks.md, Against the peers). On a
/// cluster silo it stays empty, since gateways are other processes, and every push goes through the observer reference.
/// A connection's methods are then called inside the grain's turn, so they must only queue work, never wait or block.
/// </summary>
public sealed class LocalPeerConnections
{
    private readonly ConcurrentDictionary<string, IPeerObserver> _connections = new(StringComparer.Ordinal);

    /// <summary>Connections registered now.</summary>
    public int Count => _connections.Count;

    /// <summary>Makes <paramref name="connection"/> reachable by <paramref name="connectionId"/> until the registration is disposed.</summary>
    public IDisposable Add(string connectionId, IPeerObserver connection)
    {
        if (!_connections.TryAdd(connectionId, connection))
        {
            throw new InvalidOperationException($"Connection {connectionId} is registered already.");
        }

        return new Registration(this, connectionId);
    }

    /// <summary>The connection registered as <paramref name="connectionId"/> in this process, if any.</summary>
    public IPeerObserver? Find(string connectionId) => _connections.GetValueOrDefault(connectionId);

    private sealed class Registration(LocalPeerConnections connections, string connectionId) : IDisposable
    {
        public void Dispose() => connections._connections.TryRemove(connectionId, out _);
    }
}
