using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Dilemma.Tests.Hosting;

namespace Dilemma.Tests.Realtime;

/// <summary>
/// A real WebSocket client for tests: a background loop collects every message, and waits are
/// for a condition with a deadline, never a fixed sleep.
/// </summary>
public sealed class SocketClient : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly ClientWebSocket _socket;
    private readonly Channel<JsonElement> _inbox = Channel.CreateUnbounded<JsonElement>();
    private readonly Task _receiving;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly List<JsonElement> _received = [];

    private SocketClient(ClientWebSocket socket)
    {
        _socket = socket;
        _receiving = ReceiveLoopAsync();
    }

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public WebSocketState State => _socket.State;

    /// <summary>Every message received so far, in order, whether or not a wait consumed it.</summary>
    public IReadOnlyList<JsonElement> Received
    {
        get
        {
            lock (_received)
            {
                return _received.ToList();
            }
        }
    }

    public static async Task<SocketClient> ConnectAsync(Uri gateway, string pathAndQuery, CancellationToken cancellationToken, string? origin = null)
    {
        var socket = new ClientWebSocket();
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        await socket.ConnectAsync(ToWebSocket(gateway, pathAndQuery), cancellationToken);
        return new SocketClient(socket);
    }

    /// <summary>Tries to open a socket that should be refused; returns the HTTP status the server answered.</summary>
    public static async Task<HttpStatusCode> RefusalAsync(Uri gateway, string pathAndQuery, CancellationToken cancellationToken, string? origin = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        var error = await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(ToWebSocket(gateway, pathAndQuery), cancellationToken));
        Assert.NotEqual(HttpStatusCode.SwitchingProtocols, socket.HttpStatusCode);
        _ = error;
        return socket.HttpStatusCode;
    }

    public Task SendAsync(object message, CancellationToken cancellationToken) =>
        SendRawAsync(JsonSerializer.Serialize(message, HttpAssert.Json), cancellationToken);

    public async Task SendRawAsync(string text, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _sending.Release();
        }
    }

    public async Task SendBytesAsync(byte[] payload, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(payload, WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>The next message of a type, skipping others; fails after the deadline.</summary>
    public async Task<JsonElement> NextAsync(string type, CancellationToken cancellationToken) =>
        await NextAsync(m => m.GetProperty("type").GetString() == type, $"a '{type}' message", cancellationToken);

    public async Task<JsonElement> NextAsync(Func<JsonElement, bool> match, string what, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Deadline);
        try
        {
            while (true)
            {
                var message = await _inbox.Reader.ReadAsync(deadline.Token);
                if (match(message))
                {
                    return message;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No {what} within {Deadline.TotalSeconds} s (socket {_socket.State}, close {_socket.CloseStatus}).");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"The socket closed ({_socket.CloseStatus} {_socket.CloseStatusDescription}) before {what} arrived.");
        }
    }

    /// <summary>Waits until what has been received satisfies a condition; fails after the deadline.</summary>
    public async Task UntilAsync(Func<IReadOnlyList<JsonElement>, bool> condition, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition(Received))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not {what} within {Deadline.TotalSeconds} s (socket {_socket.State}, close {_socket.CloseStatus}).");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    /// <summary>Waits until the server closes the socket; returns its close status.</summary>
    public Task<WebSocketCloseStatus?> ClosedAsync(CancellationToken cancellationToken) => ClosedWithinAsync(Deadline, cancellationToken);

    /// <summary>Waits at most <paramref name="within"/> for the server to close the socket; fails if it has not.</summary>
    public async Task<WebSocketCloseStatus?> ClosedWithinAsync(TimeSpan within, CancellationToken cancellationToken)
    {
        try
        {
            await _receiving.WaitAsync(within, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The server did not close the socket within {within.TotalSeconds} s (socket {_socket.State}).");
        }

        return _socket.CloseStatus;
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
        _sending.Dispose();
    }

    private static Uri ToWebSocket(Uri gateway, string pathAndQuery) => new($"ws://{gateway.Authority}{pathAndQuery}");

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[1024 * 1024];
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                var message = JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement.Clone();
                lock (_received)
                {
                    _received.Add(message);
                }

                _inbox.Writer.TryWrite(message);
            }
        }
        catch (WebSocketException)
        {
            // The server dropped the connection; the close status says how.
        }
        finally
        {
            _inbox.Writer.TryComplete();
        }
    }
}
