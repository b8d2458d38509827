using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Dilemma.Tests.Infrastructure;

/// <summary>The answer to a TURN Allocate: a relayed address, or the error the server gave.</summary>
public sealed record AllocateResult(IPEndPoint? RelayedAddress, int? ErrorCode, string? ErrorReason, string? Realm)
{
    public bool Succeeded => RelayedAddress is not null;

    public override string ToString() => Succeeded ? $"relayed at {RelayedAddress}" : $"error {ErrorCode} {ErrorReason}";
}

/// <summary>
/// A minimal STUN/TURN client over UDP, written from RFC 5389 and RFC 5766 and independent of the gateway's code:
/// a Binding request, and an Allocate with the long-term credential mechanism (401 with REALM and NONCE, then
/// USERNAME, REALM, NONCE and MESSAGE-INTEGRITY keyed with MD5(username:realm:password)). Just what a browser's
/// first packets to a TURN server do, so a successful Allocate proves the credentials work.
/// </summary>
public static class TurnClient
{
    private const uint MagicCookie = 0x2112A442;
    private const ushort BindingRequest = 0x0001;
    private const ushort BindingSuccess = 0x0101;
    private const ushort AllocateRequest = 0x0003;
    private const ushort AllocateSuccess = 0x0103;
    private const ushort AllocateError = 0x0113;
    private const ushort RefreshRequest = 0x0004;

    private const ushort Username = 0x0006;
    private const ushort MessageIntegrity = 0x0008;
    private const ushort ErrorCode = 0x0009;
    private const ushort Lifetime = 0x000D;
    private const ushort Realm = 0x0014;
    private const ushort Nonce = 0x0015;
    private const ushort XorRelayedAddress = 0x0016;
    private const ushort RequestedTransport = 0x0019;
    private const ushort XorMappedAddress = 0x0020;

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Sends a Binding request; returns the reflexive address the server saw, or null if it did not answer in time.</summary>
    public static Task<IPEndPoint?> BindAsync(IPEndPoint server, TimeSpan timeout, CancellationToken cancellationToken) =>
        BindAsync(new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp), server, timeout, cancellationToken);

    /// <summary>The same, from a UDP socket the caller made (one inside a network namespace); the socket is disposed.</summary>
    public static async Task<IPEndPoint?> BindAsync(Socket udp, IPEndPoint server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var socket = udp;
        await socket.ConnectAsync(server, cancellationToken);
        var answer = await TransactAsync(socket, new Message(BindingRequest), key: null, timeout, cancellationToken);
        return answer is { Type: BindingSuccess } && answer.Find(XorMappedAddress) is { } mapped ? DecodeXorAddress(mapped) : null;
    }

    /// <summary>
    /// Allocates a UDP relay with these credentials, from a fresh socket (a 5-tuple holds one allocation), then releases it.
    /// Throws <see cref="TimeoutException"/> if the server does not answer.
    /// </summary>
    public static async Task<AllocateResult> AllocateAsync(IPEndPoint server, string username, string password, CancellationToken cancellationToken)
    {
        using var socket = Connect(server);
        var challenge = await TransactAsync(socket, Allocate(), key: null, DefaultTimeout, cancellationToken)
            ?? throw new TimeoutException($"{server} did not answer an Allocate request.");
        if (challenge.Type != AllocateError || ErrorOf(challenge).Code != 401 || challenge.Find(Realm) is not { } realmBytes || challenge.Find(Nonce) is not { } nonce)
        {
            throw new InvalidOperationException($"Expected 401 with REALM and NONCE to an unauthenticated Allocate, got type 0x{challenge.Type:x4} {ErrorOf(challenge)}.");
        }

        var realm = Encoding.UTF8.GetString(realmBytes);
#pragma warning disable CA5351 // RFC 5389 section 15.4 defines the long-term credential key as MD5(username:realm:password).
        var key = MD5.HashData(Encoding.UTF8.GetBytes($"{username}:{realm}:{password}"));
#pragma warning restore CA5351
        var request = Allocate();
        request.Add(Username, Encoding.UTF8.GetBytes(username));
        request.Add(Realm, realmBytes);
        request.Add(Nonce, nonce);
        var answer = await TransactAsync(socket, request, key, DefaultTimeout, cancellationToken)
            ?? throw new TimeoutException($"{server} did not answer an authenticated Allocate request.");
        if (answer.Type == AllocateSuccess && answer.Find(XorRelayedAddress) is { } relayed)
        {
            // Lifetime 0 releases the relay now rather than after coturn's default ten minutes.
            var release = new Message(RefreshRequest);
            release.Add(Lifetime, [0, 0, 0, 0]);
            release.Add(Username, Encoding.UTF8.GetBytes(username));
            release.Add(Realm, realmBytes);
            release.Add(Nonce, nonce);
            await TransactAsync(socket, release, key, DefaultTimeout, cancellationToken);
            return new AllocateResult(DecodeXorAddress(relayed), null, null, realm);
        }

        var (code, reason) = ErrorOf(answer);
        return new AllocateResult(null, code, reason, realm);
    }

    private static Message Allocate()
    {
        var message = new Message(AllocateRequest);
        // Protocol 17 (UDP) in the first byte, then three reserved bytes (RFC 5766 section 14.7).
        message.Add(RequestedTransport, [17, 0, 0, 0]);
        return message;
    }

    private static Socket Connect(IPEndPoint server)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server);
        return socket;
    }

    /// <summary>Sends, resending on a doubling interval until an answer with the same transaction id arrives or the time is up.</summary>
    private static async Task<Message?> TransactAsync(Socket socket, Message request, byte[]? key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var bytes = request.Encode(key);
        var buffer = new byte[2048];
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            for (var wait = TimeSpan.FromMilliseconds(200); ; wait *= 2)
            {
                await socket.SendAsync(bytes, SocketFlags.None, deadline.Token);
                using var round = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                round.CancelAfter(wait);
                try
                {
                    while (true)
                    {
                        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, round.Token);
                        if (Message.TryDecode(buffer.AsSpan(0, read), out var answer) && answer.TransactionId.AsSpan().SequenceEqual(request.TransactionId))
                        {
                            return answer;
                        }
                    }
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                {
                    // Resend.
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            // ICMP port unreachable: nothing listens there.
            return null;
        }
    }

    private static (int? Code, string? Reason) ErrorOf(Message message) =>
        message.Find(ErrorCode) is { Length: >= 4 } error
            ? ((error[2] & 0x07) * 100 + error[3], Encoding.UTF8.GetString(error, 4, error.Length - 4))
            : (null, null);

    private static IPEndPoint DecodeXorAddress(byte[] value)
    {
        var port = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(value.AsSpan(2)) ^ (MagicCookie >> 16));
        if (value[1] != 0x01)
        {
            throw new NotSupportedException("Only IPv4 addresses are decoded; the tests run on 127.0.0.1.");
        }

        var address = BinaryPrimitives.ReadUInt32BigEndian(value.AsSpan(4)) ^ MagicCookie;
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPEndPoint(new IPAddress(bytes), port);
    }

    private sealed class Message
    {
        private readonly List<(ushort Type, byte[] Value)> _attributes = [];

        public Message(ushort type)
            : this(type, RandomNumberGenerator.GetBytes(12))
        {
        }

        private Message(ushort type, byte[] transactionId)
        {
            Type = type;
            TransactionId = transactionId;
        }

        public ushort Type { get; }

        public byte[] TransactionId { get; }

        public void Add(ushort type, byte[] value) => _attributes.Add((type, value));

        public byte[]? Find(ushort type) => _attributes.FirstOrDefault(a => a.Type == type).Value;

        /// <summary>With a key, appends MESSAGE-INTEGRITY: HMAC-SHA1 over the message with its length already counting the attribute (RFC 5389 section 15.4).</summary>
        public byte[] Encode(byte[]? key)
        {
            var body = new List<byte>();
            foreach (var (type, value) in _attributes)
            {
                AppendAttribute(body, type, value);
            }

            var integrityLength = key is null ? 0 : 24;
            var message = new byte[20 + body.Count + integrityLength];
            BinaryPrimitives.WriteUInt16BigEndian(message, Type);
            BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)(body.Count + integrityLength));
            BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), MagicCookie);
            TransactionId.CopyTo(message, 8);
            body.CopyTo(message, 20);
            if (key is not null)
            {
                var at = 20 + body.Count;
#pragma warning disable CA5350 // MESSAGE-INTEGRITY is HMAC-SHA1 by definition (RFC 5389 section 15.4).
                var hmac = HMACSHA1.HashData(key, message.AsSpan(0, at));
#pragma warning restore CA5350
                BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(at), MessageIntegrity);
                BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(at + 2), 20);
                hmac.CopyTo(message, at + 4);
            }

            return message;
        }

        public static bool TryDecode(ReadOnlySpan<byte> bytes, out Message message)
        {
            message = null!;
            if (bytes.Length < 20 || BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]) != MagicCookie)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
            if (20 + length > bytes.Length)
            {
                return false;
            }

            message = new Message(BinaryPrimitives.ReadUInt16BigEndian(bytes), bytes.Slice(8, 12).ToArray());
            var at = 20;
            while (at + 4 <= 20 + length)
            {
                var type = BinaryPrimitives.ReadUInt16BigEndian(bytes[at..]);
                var size = BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 2)..]);
                if (at + 4 + size > 20 + length)
                {
                    return false;
                }

                message.Add(type, bytes.Slice(at + 4, size).ToArray());
                at += 4 + ((size + 3) & ~3);
            }

            return true;
        }

        private static void AppendAttribute(List<byte> body, ushort type, byte[] value)
        {
            body.Add((byte)(type >> 8));
            body.Add((byte)type);
            body.Add((byte)(value.Length >> 8));
            body.Add((byte)value.Length);
            body.AddRange(value);
            // Attributes are padded to four bytes; the length field counts the value only.
            for (var pad = value.Length; pad % 4 != 0; pad++)
            {
                body.Add(0);
            }
        }
    }
}
