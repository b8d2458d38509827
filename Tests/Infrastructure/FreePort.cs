using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dilemma.Tests.Infrastructure;

internal static class FreePort
{
    private const int LowestPort = 10_000;
    private const int DefaultEphemeralStart = 32_768;

    // Below the kernel's ephemeral range, so no outgoing connection can take a port between our check and the server's bind;
    // handed out in turn, so two servers of one run never get the same port, nor does a port a test keeps dead.
    private static readonly int s_endExclusive = EphemeralRangeStart();
    private static readonly int s_count = s_endExclusive - LowestPort;
    private static int s_last = LowestPort + Random.Shared.Next(s_count);

    /// <summary>A loopback port that nothing listens on, outside the ephemeral range, not handed out before in this run.</summary>
    /// <remarks>Where a server can bind port 0 and say which port it got, as Kestrel can, tests let it choose instead.</remarks>
    public static int Next()
    {
        for (var attempt = 0; attempt < s_count; attempt++)
        {
            var port = LowestPort + (Interlocked.Increment(ref s_last) - LowestPort) % s_count;
            if (IsFree(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port between {LowestPort} and {s_endExclusive}.");
    }

    private static bool IsFree(int port)
    {
        using var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralRangeStart()
    {
        const string rangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
        if (!File.Exists(rangeFile))
        {
            return DefaultEphemeralStart;
        }

        var first = File.ReadAllText(rangeFile).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
        var start = int.Parse(first, CultureInfo.InvariantCulture);
        return start > LowestPort + 1_000 ? start : DefaultEphemeralStart;
    }
}
