using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Dilemma.Gateway.Ice;

/// <summary>
/// One STUN Binding request (RFC 5389) over UDP: the cheapest question a STUN or TURN server
/// answers, and the same first packet a browser sends it. Used only by the health check.
/// </summary>
internal static class StunProbe
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private const ushort BindingRequest = 0x0001;
    private const ushort BindingSuccess = 0x0101;
    private const uint MagicCookie = 0x2112A442;
    private static readonly TimeSpan FirstRetransmit = TimeSpan.FromMilliseconds(250);

    public static async Task<StunProbeResult> BindAsync(IceUrl url, CancellationToken cancellationToken)
    {
        var target = $"{url.Host}:{url.Port}";
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        try
        {
            var address = IPAddress.TryParse(url.Host, out var literal)
                ? literal
                : (await Dns.GetHostAddressesAsync(url.Host, deadline.Token)).OrderBy(a => a.AddressFamily != AddressFamily.InterNetwork).First();
            using var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            // Connected, so an ICMP "port unreachable" ends the wait at once instead of at the deadline.
            await socket.ConnectAsync(new IPEndPoint(address, url.Port), deadline.Token);

            var request = new byte[20];
            BinaryPrimitives.WriteUInt16BigEndian(request, BindingRequest);
            BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(4), MagicCookie);
            RandomNumberGenerator.Fill(request.AsSpan(8, 12));
            var buffer = new byte[1500];
            var started = Stopwatch.GetTimestamp();

            // UDP may drop a packet: resend with doubling intervals (RFC 5389 section 7.2.1) until the deadline.
            for (var wait = FirstRetransmit; ; wait *= 2)
            {
                await socket.SendAsync(request, SocketFlags.None, deadline.Token);
                using var retransmit = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                retransmit.CancelAfter(wait);
                try
                {
                    while (true)
                    {
                        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, retransmit.Token);
                        if (IsAnswerTo(buffer.AsSpan(0, read), request.AsSpan(8, 12)))
                        {
                            var milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                            return new StunProbeResult(true, $"{target} answered a STUN binding request in {milliseconds:F1} ms");
                        }
                    }
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                {
                    // This round's wait ended; send again.
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new StunProbeResult(false, $"{target} did not answer a STUN binding request within {Timeout.TotalSeconds:0} s");
        }
        catch (SocketException e)
        {
            return new StunProbeResult(false, $"{target} did not answer a STUN binding request: {e.SocketErrorCode}");
        }
    }

    private static bool IsAnswerTo(ReadOnlySpan<byte> message, ReadOnlySpan<byte> transactionId) =>
        message.Length >= 20
        && BinaryPrimitives.ReadUInt16BigEndian(message) == BindingSuccess
        && BinaryPrimitives.ReadUInt32BigEndian(message[4..]) == MagicCookie
        && message.Slice(8, 12).SequenceEqual(transactionId);
}

internal sealed record StunProbeResult(bool Answered, string Detail);
