using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Dilemma.LoadTest.Measurement;
using Dilemma.LoadTest.Scenarios;

namespace Dilemma.LoadTest.Signaling;

/// <summary>One participant's signaling socket: one receive loop, and a send loop during the window.</summary>
internal sealed class SignalingPeer(string roomCode, Seat seat, long toUserId, RelayRecord record) : IAsyncDisposable
{
    private const int ReceiveBufferBytes = 4096;

    // Far more than {"type":"candidate","to":<id>,"candidate":{"candidate":"<timestamp>|<uuid>"}} needs.
    private const int PayloadBytes = 256;

    private static readonly byte[] Join = """{"type":"join"}"""u8.ToArray();
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly ClientWebSocket _socket = new();
    private readonly TaskCompletionSource _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Built once: only the timestamp between them changes from one message to the next.
    private readonly byte[] _prefix = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"type\":\"candidate\",\"to\":{toUserId},\"candidate\":{{\"candidate\":\""));
    private readonly byte[] _suffix = Encoding.UTF8.GetBytes($"|{Guid.NewGuid():D}\"}}}}");
    private readonly byte[] _payload = new byte[PayloadBytes];
    private byte[] _receive = ArrayPool<byte>.Shared.Rent(ReceiveBufferBytes);
    private Task _receiving = Task.CompletedTask;
    private long _lastSeq;
    private volatile bool _closing;

    public bool Joined { get; private set; }

    public async Task ConnectAsync(Uri gateway, HttpMessageInvoker invoker, CancellationToken cancellationToken)
    {
        // The server pings every few seconds and the receive loop answers; pings of our own would be extra traffic.
        _socket.Options.KeepAliveInterval = TimeSpan.Zero;
        _socket.Options.CollectHttpResponseDetails = true;
        var uri = new Uri($"ws://{gateway.Authority}/ws/signaling?room_code={roomCode}&token={seat.AccessToken}");
        try
        {
            await _socket.ConnectAsync(uri, invoker, cancellationToken);
        }
        catch (WebSocketException e)
        {
            record.ConnectFailures.Add(_socket.HttpStatusCode != 0 ? $"http {(int)_socket.HttpStatusCode}" : e.WebSocketErrorCode.ToString());
            return;
        }

        _prefix.CopyTo(_payload, 0);
        _receiving = ReceiveLoopAsync();
        try
        {
            await _socket.SendAsync(Join, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            await _joined.Task.WaitAsync(JoinTimeout, cancellationToken);
            Joined = true;
        }
        catch (TimeoutException)
        {
            record.ConnectFailures.Add("no peers answer to join");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            record.ConnectFailures.Add("closed before the peers answer");
        }
        catch (WebSocketException e)
        {
            record.ConnectFailures.Add($"join: {e.WebSocketErrorCode}");
        }
    }

    public async Task SendLoopAsync(long firstSend, TimeSpan interval, long deadline, RequestBudget budget, CancellationToken cancellationToken)
    {
        var step = (long)(interval.TotalSeconds * Stopwatch.Frequency);
        for (var scheduled = firstSend; scheduled < deadline && budget.TryTake(); scheduled += step)
        {
            await Clock.UntilAsync(scheduled, cancellationToken);
            var sentAt = Clock.Now;
            var length = WritePayload(sentAt);
            try
            {
                await _socket.SendAsync(_payload.AsMemory(0, length), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }
            catch (WebSocketException)
            {
                record.SendFailed();
                return;
            }

            record.Sent(scheduled, sentAt);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closing = true;
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(CloseTimeout);
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                _socket.Abort();
            }
        }

        await _receiving.WaitAsync(CloseTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Abort();
        await _receiving.WaitAsync(CloseTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();

        // A receive still pending after the abort may yet write into the buffer: then it is
        // left to the garbage collector rather than handed to someone else through the pool.
        if (_receiving.IsCompleted)
        {
            ArrayPool<byte>.Shared.Return(_receive);
        }
    }

    /// <summary>The prefix is in place since connecting; writes the timestamp's digits and the suffix after it.</summary>
    private int WritePayload(long timestamp)
    {
        Utf8Formatter.TryFormat(timestamp, _payload.AsSpan(_prefix.Length), out var digits);
        _suffix.CopyTo(_payload.AsSpan(_prefix.Length + digits));
        return _prefix.Length + digits + _suffix.Length;
    }

    private async Task ReceiveLoopAsync()
    {
        var length = 0;
        try
        {
            while (true)
            {
                // No token: the loop ends with the socket (a close frame, or the abort when disposing), never halfway through a frame.
                var result = await _socket.ReceiveAsync(_receive.AsMemory(length), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (!_closing)
                    {
                        record.Closes.Add($"{(int?)_socket.CloseStatus} {_socket.CloseStatusDescription}".Trim());
                    }

                    return;
                }

                length += result.Count;
                if (!result.EndOfMessage)
                {
                    if (length == _receive.Length)
                    {
                        // Rare (an ice_config_refresh with many servers): a bigger buffer, then read on.
                        var bigger = ArrayPool<byte>.Shared.Rent(_receive.Length * 2);
                        _receive.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(_receive);
                        _receive = bigger;
                    }

                    continue;
                }

                Handle(_receive.AsSpan(0, length), Clock.Now);
                length = 0;
            }
        }
        catch (WebSocketException e)
        {
            if (!_closing)
            {
                record.Closes.Add($"dropped ({e.WebSocketErrorCode})");
            }
        }
        finally
        {
            // A socket that closed before its peers answer never joined.
            _joined.TrySetCanceled();
        }
    }

    private void Handle(ReadOnlySpan<byte> message, long receivedAt)
    {
        var reader = new Utf8JsonReader(message);
        string? type = null;
        string? code = null;
        long seq = 0;
        long sentAt = -1;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                record.Others.Add("not an object");
                return;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    type = reader.ValueTextEquals("candidate"u8) ? "candidate" : reader.GetString();
                }
                else if (reader.ValueTextEquals("seq"u8))
                {
                    reader.Read();
                    seq = reader.GetInt64();
                }
                else if (reader.ValueTextEquals("code"u8))
                {
                    reader.Read();
                    code = reader.GetString();
                }
                else if (reader.ValueTextEquals("candidate"u8))
                {
                    reader.Read();
                    sentAt = ReadTimestamp(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            record.Others.Add("malformed");
            return;
        }

        switch (type)
        {
            case "candidate" when sentAt >= 0:
                record.Received(sentAt, receivedAt);
                CheckSequence(seq);
                break;
            case "peers":
                _joined.TrySetResult();
                break;
            case "error":
                record.Errors.Add(code ?? "(no code)");
                break;
            default:
                record.Others.Add(type ?? "(no type)");
                break;
        }
    }

    /// <summary>The sender's timestamp: the digits before '|' in candidate.candidate; -1 when it is not one of ours.</summary>
    private static long ReadTimestamp(ref Utf8JsonReader reader)
    {
        var timestamp = -1L;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return timestamp;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isCandidate = reader.ValueTextEquals("candidate"u8);
            reader.Read();
            if (isCandidate && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped
                && Utf8Parser.TryParse(reader.ValueSpan, out long parsed, out _))
            {
                timestamp = parsed;
            }
            else
            {
                reader.Skip();
            }
        }

        return timestamp;
    }

    /// <summary>The server numbers each sender's messages to each addressee; a jump is a message that never came.</summary>
    private void CheckSequence(long seq)
    {
        if (_lastSeq > 0 && seq != _lastSeq + 1)
        {
            if (seq > _lastSeq)
            {
                record.Gap(seq - _lastSeq - 1);
            }
            else
            {
                record.Reordered();
            }
        }

        _lastSeq = Math.Max(_lastSeq, seq);
    }
}
