using System.Net;
using System.Net.Sockets;

namespace Dilemma.Tests.Infrastructure;

internal static class FreePort
{
    /// <summary>A loopback port that nothing listened on a moment ago.</summary>
    /// <remarks>
    /// Another socket can take it before our server binds (it is in the ephemeral range, which outgoing connections
    /// use too). Where a server can bind port 0 and say which port it got, as Kestrel can, tests let it choose.
    /// </remarks>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
