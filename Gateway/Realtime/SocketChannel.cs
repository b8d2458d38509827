using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using System.Threading.RateLimiting;
using Dilemma.Gateway.Errors;
using Dilemma.Gateway.Telemetry;
using Dilemma.Grains.Interfaces.Errors;

namespace Dilemma.Gateway.Realtime;

/// <summary>
/// One accepted WebSocket: a receive loop that enforces the message limits, and a single send
/// loop fed by a bounded queue, because a WebSocket allows one send at a time and a slow
/// receiver must never make anyone else wait or grow memory without bound.
/// </summary>
public sealed partial class SocketChannel : IAsyncDisposable
{
    private readonly WebSocket _socket;
    private readonly RealtimeOptions _options;
    private readonly JsonSerializerOptions _json;
    private readonly ILogger _logger;
    private readonly Channel<Frame> _outgoing;
    private readonly TokenBucketRateLimiter _rate;
    private readonly CancellationTokenSource _closing = new();
    private int _violations;
    private int _closeRequested;
    private int _rateLimited;
    private int _closeCode = (int)WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "bye";

    public SocketChannel(WebSocket socket, RealtimeOptions options, JsonSerializerOptions json, ILogger logger)
    {
        _socket = socket;
        _options = options;
        _json = json;
        _logger = logger;
        _outgoing = Channel.CreateBounded<Frame>(new BoundedChannelOptions(options.SendQueueCapacity)
        {
            SingleReader = true,

            // The send loop goes on in the thread that queued the frame (an observer's push, the receive loop) instead
            // of a thread-pool hop per message; nobody queues while holding a lock, and a send that has to wait for the
            // network returns that thread at its first await. A push from inside a grain's turn moves on (LeaveGrainTurnAsync).
            AllowSynchronousContinuations = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _rate = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.MessageBurst,
            TokensPerPeriod = options.MessagesPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),

            // Refilled by the receive loop as each message arrives (for the time since the last one), not by a
            // timer: a timer per socket, thousands firing every second, cost the relay more than relaying did.
            AutoReplenishment = false,
            QueueLimit = 0,
        });
    }

    /// <summary>The close code this side sent or will send (1000 unless the server closed it for a reason).</summary>
    public int CloseCode => _closeCode;

    /// <summary>Messages refused by the per-socket rate limit so far.</summary>
    public int RateLimitedMessages => Volatile.Read(ref _rateLimited);

    /// <summary>Ends when the connection is closing, by either side.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>Queues a message; a receiver whose queue is full is closed instead (1013).</summary>
    public void Send<T>(T message)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, _json);
        Enqueue(new Frame(bytes, bytes.Length, Pooled: false));
    }

    /// <summary>
    /// Queues raw UTF-8 JSON (a relayed message built by hand) in an array rented from
    /// <see cref="ArrayPool{T}.Shared"/>; the array goes back to the pool once sent.
    /// </summary>
    public void SendPooled(byte[] rented, int length) => Enqueue(new Frame(rented, length, Pooled: true));

    private void Enqueue(Frame frame)
    {
        if (!_outgoing.Writer.TryWrite(frame))
        {
            frame.Release();
            Close(CloseCodes.TryAgainLater, "receiver too slow");
        }
    }

    public void SendError(string code, string message) => Send(new ErrorMessage("error", code, message));

    /// <summary>Refuses a message with an error; past the allowance the socket closes (1008).</summary>
    public void Refuse(string code, string message)
    {
        SendError(code, message);
        if (Interlocked.Increment(ref _violations) >= _options.MaxViolations)
        {
            Close(CloseCodes.PolicyViolation, "too many refused messages");
        }
    }

    /// <summary>
    /// Asks the loops to end; the close frame goes out after what is already queued. The first
    /// caller's code wins. It is set before the queue is completed: the send loop wakes on the
    /// completion and reads the code at once, and a code set after could go out as 1000.
    /// </summary>
    public void Close(int code, string reason)
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) == 0)
        {
            _closeCode = code;
            _closeReason = reason;
            _outgoing.Writer.TryComplete();
        }
    }

    /// <summary>Runs both loops until the socket closes; each whole, size-checked message goes to <paramref name="onMessage"/>.</summary>
    public async Task RunAsync(Func<SocketMessage, Task> onMessage, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        var sending = SendLoopAsync(linked.Token);
        try
        {
            await ReceiveLoopAsync(onMessage, linked.Token);
        }
        finally
        {
            Close(_closeCode, _closeReason);
            await sending;
            await _closing.CancelAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _rate.Dispose();
        _closing.Dispose();
        await ValueTask.CompletedTask;
    }

    private async Task ReceiveLoopAsync(Func<SocketMessage, Task> onMessage, CancellationToken cancellationToken)
    {
        // Each message starts its own trace; under the upgrade request's span a socket's hour of messages would be one trace.
        Activity.Current = null;
        var buffer = ArrayPool<byte>.Shared.Rent(_options.MaxMessageBytes);
        try
        {
            while (!cancellationToken.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var (length, tooLarge, closed) = await ReadMessageAsync(buffer, cancellationToken);
                if (closed)
                {
                    return;
                }

                if (tooLarge)
                {
                    Refuse("message_too_large", $"Messages are at most {_options.MaxMessageBytes} bytes.");
                    continue;
                }

                _rate.TryReplenish();
                using var lease = _rate.AttemptAcquire();
                if (!lease.IsAcquired)
                {
                    Interlocked.Increment(ref _rateLimited);
                    Refuse("rate_limited", $"At most {_options.MessagesPerSecond} messages a second.");
                    continue;
                }

                await DispatchAsync(buffer.AsMemory(0, length), onMessage);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The peer went away or we are closing: nothing left to read.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task DispatchAsync(ReadOnlyMemory<byte> utf8, Func<SocketMessage, Task> onMessage)
    {
        switch (SocketMessage.TryRead(utf8, out var message))
        {
            case SocketMessageCheck.Malformed:
                Refuse("malformed_json", "The message is not valid JSON.");
                return;
            case SocketMessageCheck.MissingType:
                Refuse("missing_type", "A message is a JSON object with a string \"type\".");
                return;
        }

        // The span's name is built only when someone listens: per message, the string is most of the cost.
        using var activity = EdgeMetrics.Source.HasListeners() ? EdgeMetrics.Source.StartActivity(ActivityKind.Server, name: "ws " + message.Type) : null;
        try
        {
            await onMessage(message);
        }
        catch (RuleViolationException e) when (IsNoLongerInRoom(e))
        {
            // The room says this user is not seated (any more), or the room is gone: nothing this socket can do.
            SendError(e.Code, e.Message);
            Close(CloseCodes.NotParticipant, e.Code);
        }
        catch (RuleViolationException e)
        {
            // A rule the grain enforces (no voice consent, too many changes): the client is told, the socket stays.
            SendError(e.Code, e.Message);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            SendError("unavailable", "The game servers did not answer; try again.");
        }
        catch (JsonException)
        {
            // A handler's own read of the message failed: escaping, it would end the receive loop and close the socket with 1000.
            Refuse("malformed_json", "The message is not valid JSON.");
        }
        catch (StorageUnavailableException)
        {
            SendError(ProblemExceptionHandler.StorageUnavailable, "The database could not be reached, so whether this message took effect is unknown; try again shortly.");
        }
        catch (StorageFailedException e)
        {
            // Ours to look into, as the HTTP side's 500 storage_error is.
            LogStorageFailed(_logger, e, message.Type);
            SendError(ProblemExceptionHandler.StorageFailed, "The database refused part of this message; it has been logged.");
        }
    }

    private static bool IsNoLongerInRoom(RuleViolationException e) =>
        e is { Kind: RuleViolationKind.Forbidden, Code: "not_participant" } or { Kind: RuleViolationKind.NotFound };

    /// <summary>Reads one whole message into the buffer; an oversized one is read to its end and dropped.</summary>
    // Nearly every read waits for the client's next message, so an ordinary async method would allocate its state
    // machine once per message (144 bytes, the largest of our own allocations per relayed message in a heap dump).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(int Length, bool TooLarge, bool Closed)> ReadMessageAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var length = 0;
        var tooLarge = false;
        while (true)
        {
            var room = _options.MaxMessageBytes - length;
            tooLarge |= room == 0;

            // Past the limit the rest of the message is read over the start of the buffer and thrown away.
            var target = tooLarge ? buffer.AsMemory() : buffer.AsMemory(length, room);
            var result = await _socket.ReceiveAsync(target, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (0, false, true);
            }

            if (!tooLarge)
            {
                length += result.Count;
            }

            if (result.EndOfMessage)
            {
                return (length, tooLarge, false);
            }
        }
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            // No token for the wait: the channel reuses one waiter only for a wait that cannot be cancelled (a new one
            // per message otherwise), and the wait ends anyway, as Close completes the queue whenever the socket closes.
            var outgoing = _outgoing.Reader;
            while (await outgoing.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                await LeaveGrainTurnAsync();
                while (outgoing.TryRead(out var frame))
                {
                    await _socket.SendAsync(frame.Bytes.AsMemory(0, frame.Length), WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);

                    // Not in a finally: a send that failed may still hold the array; the collector takes it then.
                    frame.Release();
                }
            }

            await LeaveGrainTurnAsync();
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync((WebSocketCloseStatus)_closeCode, _closeReason, cancellationToken).ConfigureAwait(false);
            }

            // The peer answers our close frame and the receive loop ends; one that never does is
            // cut off when the wait for it is cancelled.
            _closing.CancelAfter(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            LogSendEnded(_logger, e.GetType().Name);
            _socket.Abort();
        }
    }

    /// <summary>
    /// A grain that pushes straight to this socket (embedded mode, <see cref="Grains.Interfaces.Realtime.LocalPeerConnections"/>)
    /// wakes the send loop inside its own turn. The sends go on in the thread pool instead: they would hold the grain's
    /// turn, and an await inside them would resume on the grain's scheduler. Anywhere else the loop goes on where it woke.
    /// </summary>
    private static ConfiguredTaskAwaitable LeaveGrainTurnAsync() =>
        Task.CompletedTask.ConfigureAwait(TaskScheduler.Current == TaskScheduler.Default ? ConfigureAwaitOptions.None : ConfigureAwaitOptions.ForceYielding);

    [LoggerMessage(Level = LogLevel.Error, Message = "The database refused a socket's {Type} message")]
    private static partial void LogStorageFailed(ILogger logger, Exception exception, string type);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Socket send loop ended: {Reason}")]
    private static partial void LogSendEnded(ILogger logger, string reason);

    private sealed record ErrorMessage(string Type, string Code, string Message);

    /// <summary>One outgoing message: the first <see cref="Length"/> bytes of <see cref="Bytes"/>, which may be a pooled array.</summary>
    private readonly record struct Frame(byte[] Bytes, int Length, bool Pooled)
    {
        public void Release()
        {
            if (Pooled)
            {
                ArrayPool<byte>.Shared.Return(Bytes);
            }
        }
    }
}
