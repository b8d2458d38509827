using System.Diagnostics;
using Dilemma.LoadTest.Cli;
using Dilemma.LoadTest.Http;
using Dilemma.LoadTest.Measurement;
using Dilemma.LoadTest.Reporting;
using Dilemma.LoadTest.Scenarios;

namespace Dilemma.LoadTest.Signaling;

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
/// pooled buffer, and arrivals are read with <see cref="System.Text.Json.Utf8JsonReader"/>, not into objects.
/// Sends are spread evenly over each period (staggered starts), so the rate is steady, not bursts.
/// </remarks>
public static class SignalingScenario
{
    private static readonly TimeSpan Lead = TimeSpan.FromSeconds(1);

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
        var peers = rooms.SelectMany(room => room.Seats.Select((seat, p) => new SignalingPeer(room.Code, seat, room.Seats[(p + 1) % room.Seats.Length].UserId, record))).ToArray();
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
}
