using System.Net.WebSockets;
using System.Text.Json;
using Dilemma.LoadTest.Http;
using Dilemma.LoadTest.Scenarios;

namespace Dilemma.LoadTest.Sessions;

/// <summary>
/// The facilitator's live monitor, <c>/ws/sessions/{code}/monitor</c>, as a browser would hold it open:
/// every <c>room_status</c> is kept with the moment it arrived (a <see cref="Clock"/> timestamp), for the
/// rate and delay figures afterwards. Reading it is all the socket does; a receive is always pending,
/// so the server's pings are answered.
/// </summary>
public sealed class MonitorSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly Lock _gate = new();
    private readonly List<MonitorMessage> _messages = [];
    private Task _receiving = Task.CompletedTask;

    private MonitorSocket()
    {
    }

    /// <summary>When the upgrade completed: the start of the time watched, and of the first picture's wait.</summary>
    public long ConnectedAt { get; private set; }

    /// <summary>Why the socket ended before it was disposed, if it did (the server closed it, or the connection broke).</summary>
    public string? Ended { get; private set; }

    /// <summary>Messages that were not a well-formed room_status (the monitor sends nothing else).</summary>
    public int Unreadable { get; private set; }

    /// <summary>Every room_status so far, in the order they arrived.</summary>
    public IReadOnlyList<MonitorMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return _messages.ToList();
            }
        }
    }

    public static async Task<MonitorSocket> ConnectAsync(Uri gateway, string sessionCode, string accessToken, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var monitor = new MonitorSocket();
        var scheme = gateway.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await monitor._socket.ConnectAsync(new Uri($"{scheme}://{gateway.Authority}/ws/sessions/{sessionCode}/monitor?token={accessToken}"), limit.Token);
        }
        catch (Exception e) when (e is WebSocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            monitor._socket.Dispose();
            throw new SetupException($"the monitor socket did not open: {e.Message}", e);
        }

        monitor.ConnectedAt = Clock.Now;
        monitor._receiving = monitor.ReceiveLoopAsync();
        return monitor;
    }

    /// <summary>Waits until the messages so far satisfy <paramref name="condition"/>; false at <paramref name="within"/>.</summary>
    public async Task<bool> UntilAsync(Func<IReadOnlyList<MonitorMessage>, bool> condition, TimeSpan within, CancellationToken cancellationToken)
    {
        var deadline = Clock.After(Clock.Now, within);
        while (!condition(Messages))
        {
            if (!Clock.Before(deadline) || Ended is not null)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                _socket.Abort();
            }
        }

        await _receiving.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[256 * 1024];
        var length = 0;
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                if (read.MessageType == WebSocketMessageType.Close)
                {
                    Ended = $"closed by the server ({_socket.CloseStatus} {_socket.CloseStatusDescription})";
                    return;
                }

                length += read.Count;
                if (!read.EndOfMessage)
                {
                    if (length == buffer.Length)
                    {
                        // A room_status is a few hundred bytes; this is not one.
                        Ended = "a message larger than 256 KB";
                        return;
                    }

                    continue;
                }

                var arrived = Clock.Now;
                var message = MonitorMessage.Parse(buffer.AsSpan(0, length), arrived);
                lock (_gate)
                {
                    if (message is null)
                    {
                        Unreadable++;
                    }
                    else
                    {
                        _messages.Add(message);
                    }
                }

                length = 0;
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Closed by DisposeAsync (then nothing ended early), or the connection broke.
            Ended ??= _socket.State == WebSocketState.Aborted ? null : $"connection lost ({e.GetType().Name})";
        }
    }
}

/// <summary>One room_status as the monitor received it: which room, its phase and round, who has chosen, when it arrived, and when the server sent it.</summary>
public sealed record MonitorMessage(string RoomCode, string Phase, int Round, IReadOnlyList<long> Chosen, int Version, long ArrivedAt, DateTimeOffset SentAt)
{
    public const string Finished = "finished";

    /// <summary>Shows the choice of <paramref name="userId"/> in <paramref name="round"/>: that person chosen then, or the room past that round.</summary>
    public bool Reflects(long userId, int round) =>
        Phase == Finished || Round > round || (Round == round && Chosen.Contains(userId));

    public static MonitorMessage? Parse(ReadOnlySpan<byte> json, long arrivedAt)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.GetString() != "room_status")
            {
                return null;
            }

            return new MonitorMessage(
                root.GetProperty("room_code").GetString()!,
                root.GetProperty("phase").GetString()!,
                root.GetProperty("round").GetInt32(),
                root.GetProperty("chosen").EnumerateArray().Select(u => u.GetInt64()).ToList(),
                root.GetProperty("version").GetInt32(),
                arrivedAt,
                root.GetProperty("sent_at").GetDateTimeOffset());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
