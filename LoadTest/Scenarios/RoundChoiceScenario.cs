using System.Diagnostics;
using System.Text;
using System.Text.Json.Serialization;
using Dilemma.LoadTest.Cli;
using Dilemma.LoadTest.Http;
using Dilemma.LoadTest.Measurement;
using Dilemma.LoadTest.Reporting;

namespace Dilemma.LoadTest.Scenarios;

/// <summary>
/// The hottest game endpoint under many players: <c>POST /rooms/{code}/round-choice</c>, a
/// revision of round 1's choice (allowed until the consensus), by every participant of
/// ⌈N/3⌉ started rooms, each on a TCP connection of its own. Three participants share a room
/// grain, which takes their calls one at a time, as in a real game.
/// </summary>
/// <remarks>
/// With a rate, each connection sends on a fixed schedule whatever the answers do (open loop),
/// and latency is measured from the scheduled send time: a slow answer delays the requests
/// behind it, and that delay is counted (no coordinated omission). Without a rate, each sends
/// its next request when the last is answered (closed loop): throughput is the capacity at N
/// connections, and latency is from the actual send.
/// </remarks>
public static class RoundChoiceScenario
{
    // Round 1 of the care-robot-monitoring scenario has three options (0-2); confidence is 1-5.
    private const int Choices = 3;
    private const int Confidences = 5;

    // Gives every task its first schedule before the first send is due.
    private static readonly TimeSpan Lead = TimeSpan.FromMilliseconds(500);

    public static async Task<RoundChoiceResult> RunAsync(LoadTestOptions options, CancellationToken cancellationToken)
    {
        var run = RunHeader.From(options, DateTimeOffset.UtcNow);
        var roomCount = (options.Connections + 2) / 3;
        await Progress.WriteAsync($"round-choice: seating and starting {roomCount} rooms, {options.SetupParallelism} at a time");
        var setupStarted = Clock.Now;
        SeatedRoom[] rooms;
        using (var setup = GatewayClient.Create(options.Url, options.SetupParallelism, options.RequestTimeout))
        {
            rooms = await RoomSetup.SeatAsync(setup, roomCount, start: true, options.SetupParallelism, cancellationToken);
        }

        var setupTime = Stopwatch.GetElapsedTime(setupStarted);

        var participants = rooms.SelectMany(room => room.Seats.Select(seat => (room.Code, Seat: seat))).Take(options.Connections).ToArray();
        var loop = options.Rate is { } rate ? $"open loop, {rate:0.##} requests/s per connection ({rate * participants.Length:0} /s in all)" : "closed loop";
        await Progress.WriteAsync($"round-choice: {rooms.Length} rooms ready in {setupTime.TotalSeconds:0.0} s; {participants.Length} connections, {loop}; {options.Warmup.TotalSeconds:0.#} s warm-up, then {options.Duration.TotalSeconds:0.#} s measured");

        // One pool of one connection per participant: a shared pool opens connections only as
        // concurrency demands, which in an open loop at a modest rate is a handful, not N.
        var connections = new ConnectionCounter();
        var clients = participants.Select(_ => GatewayClient.Create(options.Url, 1, options.RequestTimeout, connections)).ToArray();
        try
        {
            var bodies = Enumerable.Range(0, Choices * Confidences)
                .Select(i => GatewayClient.Body(new ChoiceRequest(1, i % Choices, 1 + (i / Choices))))
                .ToArray();
            var record = new ChoiceRecord(new RequestBudget(options.MaxRequests));
            var start = Clock.After(Clock.Now, Lead);
            var measureFrom = Clock.After(start, options.Warmup);
            var deadline = Clock.After(measureFrom, options.Duration);
            var workers = participants.Select((participant, i) =>
            {
                var worker = new Participant(clients[i], $"rooms/{participant.Code}/round-choice", participant.Seat.AccessToken, bodies, i, record, measureFrom, deadline, cancellationToken);
                return Task.Run(
                    () => options.Rate is { } perSecond
                        ? worker.OpenLoopAsync(Clock.After(start, TimeSpan.FromSeconds(i / (perSecond * participants.Length))), TimeSpan.FromSeconds(1 / perSecond))
                        : worker.ClosedLoopAsync(),
                    cancellationToken);
            }).ToArray();

            await Clock.UntilAsync(measureFrom, cancellationToken);
            var cpu = CpuWatch.Start(options.ServerProcesses);
            await Task.WhenAll(workers);
            var wall = Stopwatch.GetElapsedTime(measureFrom);
            var cpuReport = cpu.Stop(wall);

            var tally = record.Latency.Result();
            var seconds = options.Duration.TotalSeconds;
            return new RoundChoiceResult(
                run,
                rooms.Length,
                participants.Length,
                connections.Opened,
                options.Rate,
                Math.Round(setupTime.TotalSeconds, 1),
                options.Warmup.TotalSeconds,
                Math.Round(wall.TotalSeconds, 2),
                record.Scheduled,
                tally.Succeeded.Count,
                Math.Round(tally.Succeeded.Count / seconds, 1),
                tally.Succeeded.Summarize(),
                record.ServiceTime.Summarize(),
                record.SendLag.Summarize(),
                tally.Failed.Count,
                tally.ErrorsByKind,
                record.WarmupErrors.Result(),
                record.Budget.Exhausted,
                cpuReport);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private sealed class ChoiceRecord(RequestBudget budget)
    {
        private long _scheduled;

        public RequestBudget Budget { get; } = budget;

        /// <summary>Open loop: from the scheduled send time to the last byte; closed loop: from the send.</summary>
        public SharedTally Latency { get; } = new();

        /// <summary>From the actual send to the last byte, whatever the loop.</summary>
        public SharedLatency ServiceTime { get; } = new();

        /// <summary>Open loop: how late a request went out after its scheduled time (behind a slow answer, or a busy client).</summary>
        public SharedLatency SendLag { get; } = new();

        public SharedCounts WarmupErrors { get; } = new();

        public long Scheduled => Interlocked.Read(ref _scheduled);

        public void CountScheduled() => Interlocked.Increment(ref _scheduled);
    }

    private sealed class Participant(
        GatewayClient client,
        string path,
        string accessToken,
        byte[][] bodies,
        int index,
        ChoiceRecord record,
        long measureFrom,
        long deadline,
        CancellationToken cancellationToken)
    {
        public async Task OpenLoopAsync(long firstSend, TimeSpan interval)
        {
            var step = (long)(interval.TotalSeconds * Stopwatch.Frequency);
            var n = 0;
            for (var scheduled = firstSend; scheduled < deadline && record.Budget.TryTake(); scheduled += step, n++)
            {
                await Clock.UntilAsync(scheduled, cancellationToken);
                var sentAt = Clock.Now;
                var reply = await SendAsync(n);
                if (scheduled >= measureFrom)
                {
                    record.CountScheduled();
                    record.SendLag.Record(Stopwatch.GetElapsedTime(scheduled, sentAt));
                    Record(reply.Outcome with { Elapsed = Stopwatch.GetElapsedTime(scheduled, Clock.Now) }, reply.Outcome.Elapsed);
                }
                else
                {
                    Warmup(reply.Outcome);
                }
            }
        }

        public async Task ClosedLoopAsync()
        {
            for (var n = 0; Clock.Before(deadline) && record.Budget.TryTake(); n++)
            {
                var sentAt = Clock.Now;
                var reply = await SendAsync(n);
                if (sentAt >= measureFrom)
                {
                    record.CountScheduled();
                    Record(reply.Outcome, reply.Outcome.Elapsed);
                }
                else
                {
                    Warmup(reply.Outcome);
                }
            }
        }

        /// <summary>Another choice and confidence each time: a revision that changes something, as a wavering player sends it.</summary>
        private Task<Reply> SendAsync(int n) =>
            client.CallAsync(HttpMethod.Post, path, accessToken, bodies[(index + n) % bodies.Length], keepBody: false, cancellationToken);

        private void Record(Outcome outcome, TimeSpan serviceTime)
        {
            record.ServiceTime.Record(serviceTime);
            if (outcome.Succeeded)
            {
                record.Latency.Success(outcome);
            }
            else
            {
                record.Latency.Error(outcome);
            }
        }

        private void Warmup(Outcome outcome)
        {
            if (!outcome.Succeeded)
            {
                record.WarmupErrors.Add(outcome.Describe());
            }
        }
    }
}

public sealed record RoundChoiceResult(
    RunHeader Run,
    int Rooms,
    int Participants,
    long ConnectionsOpened,
    double? RatePerConnection,
    double SetupSeconds,
    double WarmupSeconds,
    double MeasuredSeconds,
    long RequestsSent,
    long Requests,
    double RequestsPerSecond,
    LatencySummary Latency,
    LatencySummary ServiceTime,
    LatencySummary SendLag,
    long Errors,
    IReadOnlyDictionary<string, long> ErrorsByKind,
    IReadOnlyDictionary<string, long> WarmupErrorsByKind,
    bool RequestCapReached,
    CpuReport Cpu) : IScenarioResult
{
    public IReadOnlyList<string> Warnings
    {
        get
        {
            var warnings = new List<string>();
            if (Requests == 0)
            {
                warnings.Add("no request succeeded");
            }

            if (Errors > 0)
            {
                warnings.Add($"{Text.Whole(Errors)} requests failed");
            }

            if (WarmupErrorsByKind.Count > 0)
            {
                warnings.Add($"requests failed during the warm-up too: {Text.Kinds(WarmupErrorsByKind)}");
            }

            if (ConnectionsOpened < Participants)
            {
                warnings.Add($"only {Text.Whole(ConnectionsOpened)} connections were opened for {Text.Whole(Participants)} participants");
            }

            if (RequestCapReached)
            {
                warnings.Add("the request cap ended the run before its duration");
            }

            return warnings;
        }
    }

    [JsonIgnore]
    public bool MeasuredSomething => Requests > 0;

    public string Describe()
    {
        var text = new StringBuilder();
        var loop = RatePerConnection is { } rate
            ? $"open loop at {Text.Num(rate, "0.##")} requests/s per connection ({Text.Num(rate * Participants, "0")}/s scheduled); latency from the scheduled send time"
            : "closed loop; latency from the send";
        text.AppendLine($"round-choice  {Run.Url}  {Text.Whole(Participants)} participants in {Text.Whole(Rooms)} started rooms, {Text.Whole(ConnectionsOpened)} connections opened");
        text.AppendLine($"  {loop}; {Text.Num(WarmupSeconds, "0.#")} s warm-up, {Text.Num(MeasuredSeconds, "0.0")} s measured");
        text.AppendLine($"  round-choice ok  {Text.Whole(Requests),9}  {Text.Num(RequestsPerSecond, "0.0"),9}/s  {Text.Latency(Latency)}  p99.9 {Text.Ms(Latency.P999Ms)}  mean {Text.Ms(Latency.MeanMs)}");
        text.AppendLine($"  service time     {Text.Whole(ServiceTime.Count),9}  (send to last byte)  {Text.Latency(ServiceTime)}");
        if (RatePerConnection is not null)
        {
            text.AppendLine($"  send lag         {Text.Whole(SendLag.Count),9}  (send time minus scheduled)  {Text.Latency(SendLag)}");
        }

        text.AppendLine($"  errors           {Text.Whole(Errors),9}  {Text.Kinds(ErrorsByKind)}");
        text.AppendLine($"  cpu              {Text.Cpu(Cpu)}");
        foreach (var warning in Warnings)
        {
            text.AppendLine($"  warning: {warning}");
        }

        return Text.Tidy(text);
    }
}
