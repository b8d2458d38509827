using System.Net;
using System.Net.Sockets;

namespace Dilemma.Tests.Infrastructure;

internal static class FreePort
{
    /// <summary>A loopback port that nothing listened on a moment ago.</summary>
    /// <remarks>Another process can take it before our server binds; the servers retry with a new port when that happens.</remarks>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
