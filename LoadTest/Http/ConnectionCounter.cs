using System.Net.Sockets;

namespace Dilemma.LoadTest.Http;

/// <summary>
/// Counts the TCP connections HTTP clients really open. A pool opens connections only as
/// concurrency demands, so "N connections" is a claim to check, not to assume.
/// </summary>
public sealed class ConnectionCounter
{
    private long _opened;

    public long Opened => Interlocked.Read(ref _opened);

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/>: what the default does, plus the count.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        Interlocked.Increment(ref _opened);
        return new NetworkStream(socket, ownsSocket: true);
    }
}
