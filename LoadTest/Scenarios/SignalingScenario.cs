using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dilemma.LoadTest.Cli;
using Dilemma.LoadTest.Http;
using Dilemma.LoadTest.Measurement;
using Dilemma.LoadTest.Reporting;

namespace Dilemma.LoadTest.Scenarios;

/// <summary>
/// Signaling relay under many sockets: R seated rooms, three sockets each, every socket sending
/// a steady stream of <c>candidate</c> messages to the next peer of its room. The sender puts
/// its <see cref="Stopwatch"/> timestamp into the candidate and the addressed socket, in the
/// same process and on the same clock, takes the difference on arrival: relay latency from
/// send to receipt, through the gateway and the peer grains.
/// </summary>
/// <remarks>
/// The client shares the cores with the servers, so it is kept cheap: payloads are built once
/// per socket with only the timestamp rewritten, each socket has one receive loop into one
/// pooled buffer, and arrivals are read with <see cref="Utf8JsonReader"/>, not into objects.
/// Sends are spread evenly over each period (staggered starts), so the rate is steady, not bursts.
/// </remarks>
public static class SignalingScenario
{
    private static readonly TimeSpan Lead = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    public static async Task<SignalingResult> RunAsync(LoadTestOptions options, CancellationToken cancellationToken)
    {
        var run = RunHeader.From(options, DateTimeOffset.UtcNow);
        var rate = options.Rate ?? 1;
        await Progress.WriteAsync($"signaling: seating {options.Rooms} rooms of three guests, {options.SetupParallelism} at a time");
        var setupStarted = Clock.Now;
        SeatedRoom[] rooms;
        using (var setup = GatewayClient.Create(options.Url, options.SetupParallelism, options.RequestTimeout))
        {
            // Signaling needs participants only: the rooms are seated, not started.
            rooms = await RoomSetup.SeatAsync(setup, options.Rooms, start: false, options.SetupParallelism, cancellationToken);
        }

        var setupTime = Stopwatch.GetElapsedTime(setupStarted);
        var record = new RelayRecord();
        var peers = rooms.SelectMany(room => room.Seats.Select((seat, p) => new Peer(room.Code, seat, room.Seats[(p + 1) % room.Seats.Length].UserId, record))).ToArray();
        await Progress.WriteAsync($"signaling: {rooms.Length} rooms ready in {setupTime.TotalSeconds:0.0} s; connecting {peers.Length} sockets and joining, {options.SetupParallelism} at a time");

        var connections = new ConnectionCounter();
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ConnectCallback = connections.ConnectAsync,
        });
        var connectStarted = Clock.Now;
        try
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.SetupParallelism, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(peers, parallel, async (peer, token) => await peer.ConnectAsync(options.Url, invoker, token));
            var connectTime = Stopwatch.GetElapsedTime(connectStarted);
            var connected = peers.Where(p => p.Joined).ToArray();
            await Progress.WriteAsync($"signaling: {connected.Length} of {peers.Length} sockets joined in {connectTime.TotalSeconds:0.0} s; {rate:0.##} messages/s each; {options.Warmup.TotalSeconds:0.#} s warm-up, then {options.Duration.TotalSeconds:0.#} s measured");

            var start = Clock.After(Clock.Now, Lead);
            var measureFrom = Clock.After(start, options.Warmup);
            var deadline = Clock.After(measureFrom, options.Duration);
            record.Window(measureFrom, deadline, (int)Math.Ceiling(options.Duration.TotalSeconds));
            var budget = new RequestBudget(options.MaxRequests);
            var interval = TimeSpan.FromSeconds(1 / rate);
            var senders = connected
                .Select((peer, i) => Task.Run(() => peer.SendLoopAsync(Clock.After(start, interval * i / connected.Length), interval, deadline, budget, cancellationToken), cancellationToken))
                .ToArray();

            await Clock.UntilAsync(measureFrom, cancellationToken);
            var cpu = CpuWatch.Start(options.ServerProcesses);
            await Task.WhenAll(senders);
            var wall = Stopwatch.GetElapsedTime(measureFrom);
            var cpuReport = cpu.Stop(wall);

            // Messages still on their way at the end of the window count if they arrive within the drain.
            await Task.Delay(options.Drain, cancellationToken);
            var result = new SignalingResult(
                run,
                rooms.Length,
                peers.Length,
                connected.Length,
                record.ConnectFailures.Result(),
                connections.Opened,
                rate,
                Math.Round(setupTime.TotalSeconds, 1),
                Math.Round(connectTime.TotalSeconds, 1),
                options.Warmup.TotalSeconds,
                Math.Round(wall.TotalSeconds, 2),
                options.Drain.TotalSeconds,
                record.SentInWindow,
                Math.Round(record.SentInWindow / options.Duration.TotalSeconds, 1),
                record.ReceivedInWindow,
                Math.Max(0, record.SentInWindow - record.ReceivedInWindow),
                record.SequenceGaps,
                record.OutOfOrder,
                record.Relay.Summarize(),
                record.SendLag.Summarize(),
                record.SendFailures,
                record.Errors.Result(),
                record.Closes.Result(),
                record.Others.Result(),
                record.Timeline(),
                budget.Exhausted,
                cpuReport);
            await Progress.WriteAsync("signaling: closing the sockets");
            return result;
        }
        finally
        {
            using var closing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            closing.CancelAfter(TimeSpan.FromSeconds(60));
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = closing.Token };
            await Parallel.ForEachAsync(peers, parallel, async (peer, _) => await peer.DisposeAsync()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>What every socket records into.</summary>
    private sealed class RelayRecord
    {
        // The issue's target for relay p99; the timeline counts the messages slower than it, second by second.
        private static readonly long SlowTicks = (long)(0.010 * Stopwatch.Frequency);

        private long[] _perSecond = [];
        private long[] _slowPerSecond = [];
        private long[] _maxPerSecond = [];
        private long _measureFrom = long.MaxValue;
        private long _deadline = long.MinValue;
        private long _sentInWindow;
        private long _receivedInWindow;
        private long _sequenceGaps;
        private long _outOfOrder;
        private long _sendFailures;

        public SharedLatency Relay { get; } = new();

        public SharedLatency SendLag { get; } = new();

        public SharedCounts ConnectFailures { get; } = new();

        public SharedCounts Errors { get; } = new();

        public SharedCounts Closes { get; } = new();

        public SharedCounts Others { get; } = new();

        public long SentInWindow => Interlocked.Read(ref _sentInWindow);

        public long ReceivedInWindow => Interlocked.Read(ref _receivedInWindow);

        public long SequenceGaps => Interlocked.Read(ref _sequenceGaps);

        public long OutOfOrder => Interlocked.Read(ref _outOfOrder);

        public long SendFailures => Interlocked.Read(ref _sendFailures);

        public void Window(long measureFrom, long deadline, int seconds)
        {
            _perSecond = new long[seconds];
            _slowPerSecond = new long[seconds];
            _maxPerSecond = new long[seconds];
            Volatile.Write(ref _deadline, deadline);
            Volatile.Write(ref _measureFrom, measureFrom);
        }

        /// <summary>Second by second of the window (by send time): whether slow relays come in bursts (a pause, a periodic task) or spread evenly.</summary>
        public IReadOnlyList<RelaySecond> Timeline() =>
            Enumerable.Range(0, _perSecond.Length).Select(i => new RelaySecond(
                i,
                Interlocked.Read(ref _perSecond[i]),
                Interlocked.Read(ref _slowPerSecond[i]),
                Math.Round(Interlocked.Read(ref _maxPerSecond[i]) * 1000.0 / Stopwatch.Frequency, 1))).ToList();

        public bool InWindow(long timestamp) => timestamp >= Volatile.Read(ref _measureFrom) && timestamp < Volatile.Read(ref _deadline);

        public void Sent(long scheduled, long sentAt)
        {
            if (InWindow(sentAt))
            {
                Interlocked.Increment(ref _sentInWindow);
                SendLag.Record(Stopwatch.GetElapsedTime(scheduled, sentAt));
            }
        }

        public void Received(long sentAt, long receivedAt)
        {
            if (InWindow(sentAt))
            {
                Interlocked.Increment(ref _receivedInWindow);
                Relay.Record(Stopwatch.GetElapsedTime(sentAt, receivedAt));
                var second = (int)((sentAt - Volatile.Read(ref _measureFrom)) / Stopwatch.Frequency);
                if (second < _perSecond.Length)
                {
                    var ticks = receivedAt - sentAt;
                    Interlocked.Increment(ref _perSecond[second]);
                    if (ticks > SlowTicks)
                    {
                        Interlocked.Increment(ref _slowPerSecond[second]);
                    }

                    for (var max = Interlocked.Read(ref _maxPerSecond[second]); ticks > max; max = Interlocked.Read(ref _maxPerSecond[second]))
                    {
                        if (Interlocked.CompareExchange(ref _maxPerSecond[second], ticks, max) == max)
                        {
                            break;
                        }
                    }
                }
            }
        }

        public void Gap(long missing) => Interlocked.Add(ref _sequenceGaps, missing);

        public void Reordered() => Interlocked.Increment(ref _outOfOrder);

        public void SendFailed() => Interlocked.Increment(ref _sendFailures);
    }

    /// <summary>One participant's signaling socket: one receive loop, and a send loop during the window.</summary>
    private sealed class Peer(string roomCode, Seat seat, long toUserId, RelayRecord record) : IAsyncDisposable
    {
        private const int ReceiveBufferBytes = 4096;

        // Far more than {"type":"candidate","to":<id>,"candidate":{"candidate":"<timestamp>|<uuid>"}} needs.
        private const int PayloadBytes = 256;

        private static readonly byte[] Join = """{"type":"join"}"""u8.ToArray();

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
}

public sealed record SignalingResult(
    RunHeader Run,
    int Rooms,
    int Sockets,
    int SocketsJoined,
    IReadOnlyDictionary<string, long> ConnectFailures,
    long ConnectionsOpened,
    double MessagesPerSecondPerSocket,
    double SetupSeconds,
    double ConnectSeconds,
    double WarmupSeconds,
    double MeasuredSeconds,
    double DrainSeconds,
    long MessagesSent,
    double MessagesSentPerSecond,
    long MessagesReceived,
    long MessagesLost,
    long SequenceGaps,
    long OutOfOrder,
    LatencySummary Relay,
    LatencySummary SendLag,
    long SendFailures,
    IReadOnlyDictionary<string, long> ErrorsByCode,
    IReadOnlyDictionary<string, long> ClosesByStatus,
    IReadOnlyDictionary<string, long> OtherMessages,
    IReadOnlyList<RelaySecond> Timeline,
    bool RequestCapReached,
    CpuReport Cpu) : IScenarioResult
{
    /// <summary>All watched server processes together, as a share of the whole machine (every core): what "30 % of the machine" means.</summary>
    public double ServersPercentOfMachine =>
        Math.Round(Cpu.Servers.Sum(s => s.PercentOfOneCore ?? 0) / Math.Max(1, Cpu.ProcessorCount), 1);

    public IReadOnlyList<string> Warnings
    {
        get
        {
            var warnings = new List<string>();
            if (MessagesReceived == 0)
            {
                warnings.Add("no relayed message arrived");
            }

            if (SocketsJoined < Sockets)
            {
                warnings.Add($"{Text.Whole(Sockets - SocketsJoined)} sockets did not connect and join: {Text.Kinds(ConnectFailures)}");
            }

            if (MessagesLost > 0 || SequenceGaps > 0)
            {
                warnings.Add($"{Text.Whole(MessagesLost)} messages sent in the window did not arrive within the drain; {Text.Whole(SequenceGaps)} sequence gaps");
            }

            if (ErrorsByCode.Count > 0 || ClosesByStatus.Count > 0 || SendFailures > 0)
            {
                warnings.Add($"errors {Text.Kinds(ErrorsByCode)}, closes {Text.Kinds(ClosesByStatus)}, failed sends {Text.Whole(SendFailures)}");
            }

            if (RequestCapReached)
            {
                warnings.Add("the message cap ended the run before its duration");
            }

            return warnings;
        }
    }

    [JsonIgnore]
    public bool MeasuredSomething => MessagesReceived > 0;

    private static string KindsOrNone(IReadOnlyDictionary<string, long> counts) => counts.Count == 0 ? "none" : Text.Kinds(counts);

    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine($"signaling  {Run.Url}  {Text.Whole(Rooms)} rooms x 3 = {Text.Whole(Sockets)} sockets, {Text.Whole(SocketsJoined)} joined ({Text.Whole(ConnectionsOpened)} connections opened); set-up {Text.Num(SetupSeconds, "0.0")} s, connect and join {Text.Num(ConnectSeconds, "0.0")} s");
        text.AppendLine($"  {Text.Num(MessagesPerSecondPerSocket, "0.##")} candidate/s per socket to the next peer of its room, starts staggered; {Text.Num(WarmupSeconds, "0.#")} s warm-up, {Text.Num(MeasuredSeconds, "0.0")} s measured, {Text.Num(DrainSeconds, "0.#")} s drain");
        text.AppendLine($"  sent             {Text.Whole(MessagesSent),9}  {Text.Num(MessagesSentPerSecond, "0.0"),9}/s  send lag {Text.Latency(SendLag)}");
        text.AppendLine($"  relayed          {Text.Whole(MessagesReceived),9}  lost {Text.Whole(MessagesLost)}, sequence gaps {Text.Whole(SequenceGaps)}, out of order {Text.Whole(OutOfOrder)}");
        text.AppendLine($"  relay latency    {Text.Latency(Relay)}  p99.9 {Text.Ms(Relay.P999Ms)}  mean {Text.Ms(Relay.MeanMs)}");
        var slowSeconds = Timeline.Where(s => s.SlowerThan10Ms > 0).ToList();
        text.AppendLine($"  over 10 ms       {Text.Whole(Timeline.Sum(s => s.SlowerThan10Ms)),9}  in {slowSeconds.Count} of {Timeline.Count} seconds{(slowSeconds.Count > 0 ? ": " + string.Join(", ", slowSeconds.Select(s => $"s{s.Second} {Text.Whole(s.SlowerThan10Ms)} (max {Text.Num(s.MaxMs, "0")} ms)")) : string.Empty)}");
        text.AppendLine($"  errors           {KindsOrNone(ErrorsByCode)}; closes by the server {KindsOrNone(ClosesByStatus)}; failed sends {Text.Whole(SendFailures)}; other messages {KindsOrNone(OtherMessages)}");
        text.AppendLine($"  cpu              {Text.Cpu(Cpu)}");
        text.AppendLine($"  servers          {Text.Num(ServersPercentOfMachine, "0.0")} % of the machine ({Cpu.ProcessorCount} cores = 100 %)");
        foreach (var warning in Warnings)
        {
            text.AppendLine($"  warning: {warning}");
        }

        return Text.Tidy(text);
    }
}

/// <summary>One second of the measured window, by send time: relayed messages, those slower than 10 ms, and the slowest.</summary>
public sealed record RelaySecond(int Second, long Relayed, long SlowerThan10Ms, double MaxMs);
