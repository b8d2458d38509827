using System.Text;
using System.Text.Json.Serialization;
using System.Collections.Concurrent;
using Dilemma.LoadTest.Cli;
using Dilemma.LoadTest.Dropouts;
using Dilemma.LoadTest.Http;
using Dilemma.LoadTest.Measurement;
using Dilemma.LoadTest.Reporting;

namespace Dilemma.LoadTest.Scenarios;

/// <summary>
/// Whole games through the gateway, as three browsers would play them one request after
/// another: fresh guests, a private room, joins, roles, start, five rounds of three choices and
/// a consensus, and the statistics. Each table plays one game at a time and starts the next as
/// soon as one ends, so games per second is what the server sustains at that many tables.
/// With <c>--dropout-rate</c>, that share of the players keep a signaling socket open and vanish in a
/// round of their game (<see cref="DropoutPlan"/>); their rooms play on under <c>on_dropout: continue</c>
/// (the players left wait for the grace period to drop the vanished one, then finish the game without
/// them), every game started is played to its end after the window, and the database is then checked
/// against the events the run caused (<see cref="DropoutCheck"/>).
/// </summary>
public static class FullGamesScenario
{
    private const int Rounds = 5;

    public static async Task<FullGamesResult> RunAsync(LoadTestOptions options, CancellationToken cancellationToken)
    {
        var run = RunHeader.From(options, DateTimeOffset.UtcNow);
        var connections = new ConnectionCounter();
        using var client = GatewayClient.Create(options.Url, options.Tables, options.RequestTimeout, connections);
        await Progress.WriteAsync($"full-games: {options.Tables} tables; {options.Warmup.TotalSeconds:0.#} s warm-up, then {options.Duration.TotalSeconds:0.#} s measured");

        var record = new GameRecord(new RequestBudget(options.MaxRequests));
        var measureFrom = Clock.After(Clock.Now, options.Warmup);
        var deadline = Clock.After(measureFrom, options.Duration);
        var tables = Enumerable.Range(0, options.Tables)
            .Select(t => Task.Run(() => new Table(client, options, t, record, measureFrom, deadline, cancellationToken).PlayAsync(), cancellationToken))
            .ToArray();

        await Clock.UntilAsync(measureFrom, cancellationToken);
        var cpu = CpuWatch.Start(options.ServerProcesses);
        await Task.WhenAll(tables);
        var wall = System.Diagnostics.Stopwatch.GetElapsedTime(measureFrom);
        var cpuReport = cpu.Stop(wall);
        var check = options.Dropouts is { } dropouts
            ? await DropoutCheck.RunAsync(dropouts.Database, record.Games.ToList(), record.Vanished, cancellationToken)
            : null;

        // Rates are over the measured window itself; the requests still in flight at its end
        // (a few milliseconds) are in the CPU window but count only if they were sent inside it.
        var seconds = options.Duration.TotalSeconds;
        var endpoints = Endpoint.All.Select((endpoint, i) =>
        {
            var tally = record.Endpoints[i].Result();
            return new EndpointStats(endpoint.Name, tally.Succeeded.Count + tally.Failed.Count, tally.Succeeded.Summarize(), tally.Failed.Count, tally.ErrorsByKind);
        }).ToList();
        var requests = endpoints.Sum(e => e.Requests);
        return new FullGamesResult(
            run,
            options.Tables,
            options.Warmup.TotalSeconds,
            Math.Round(wall.TotalSeconds, 2),
            record.Completed,
            Math.Round(record.Completed / seconds, 2),
            record.GameDuration.Summarize(),
            record.Failed,
            requests,
            Math.Round(requests / seconds, 1),
            endpoints.Sum(e => e.Errors),
            endpoints,
            record.WarmupErrors.Result(),
            connections.Opened,
            record.Budget.Exhausted,
            cpuReport)
        {
            DropoutRate = options.Dropouts?.Rate,
            Dropouts = check,
        };
    }

    /// <summary>The steps of a game, in the order a game takes them; each is timed on its own.</summary>
    private sealed record Endpoint(string Name)
    {
        public static readonly Endpoint Guest = new("POST /auth/guest");
        public static readonly Endpoint Create = new("POST /rooms/private");
        public static readonly Endpoint Join = new("POST /rooms/join");
        public static readonly Endpoint AssignRoles = new("POST /rooms/assign-roles/{code}");
        public static readonly Endpoint Start = new("POST /rooms/{code}/start");
        public static readonly Endpoint RoundChoice = new("POST /rooms/{code}/round-choice");
        public static readonly Endpoint Consensus = new("POST /rooms/{code}/consensus-choice");
        public static readonly Endpoint Statistics = new("GET /rooms/{code}/statistics");
        public static readonly Endpoint Signaling = new("WS /ws/signaling (join)");
        public static readonly Endpoint AwaitDrop = new("GET /rooms/{code} (until dropped)");

        public static readonly Endpoint[] All = [Guest, Create, Join, AssignRoles, Start, RoundChoice, Consensus, Statistics, Signaling, AwaitDrop];

        public int Index => Array.IndexOf(All, this);
    }

    /// <summary>What all tables record into.</summary>
    private sealed class GameRecord(RequestBudget budget)
    {
        private long _completed;
        private long _failed;
        private int _vanished;

        public RequestBudget Budget { get; } = budget;

        /// <summary>With dropouts: every room the run created, with the events it must hold.</summary>
        public ConcurrentQueue<ExpectedEvents> Games { get; } = new();

        public int Vanished => Volatile.Read(ref _vanished);

        public void PlayerVanished() => Interlocked.Increment(ref _vanished);

        public SharedTally[] Endpoints { get; } = Endpoint.All.Select(_ => new SharedTally()).ToArray();

        public SharedLatency GameDuration { get; } = new();

        public SharedCounts WarmupErrors { get; } = new();

        public long Completed => Interlocked.Read(ref _completed);

        public long Failed => Interlocked.Read(ref _failed);

        public void GameCompleted(TimeSpan duration)
        {
            Interlocked.Increment(ref _completed);
            GameDuration.Record(duration);
        }

        public void GameFailed() => Interlocked.Increment(ref _failed);
    }

    /// <summary>One table: plays games one after another until the measured window ends.</summary>
    private sealed class Table(GatewayClient client, LoadTestOptions options, int number, GameRecord record, long measureFrom, long deadline, CancellationToken cancellationToken)
    {
        // How often the players left look whether a vanished one has been dropped.
        private static readonly TimeSpan DropPoll = TimeSpan.FromMilliseconds(250);

        private readonly DropoutOptions? _dropouts = options.Dropouts;

        // The same bodies every game: serialized once per table rather than per request.
        private readonly byte[] _guest = GatewayClient.Body(new GuestRequest(null, $"table{number}"));
        private readonly byte[][] _choices = Enumerable.Range(0, Rounds * 3)
            .Select(i => GatewayClient.Body(new ChoiceRequest((i / 3) + 1, i % 3 % 2, 3 + (i % 3))))
            .ToArray();
        private readonly byte[][] _consensus = Enumerable.Range(1, Rounds)
            .Select(round => GatewayClient.Body(new ChoiceRequest(round, 0, 4)))
            .ToArray();

        private int _games;

        public async Task PlayAsync()
        {
            while (Clock.Before(deadline) && !record.Budget.Exhausted)
            {
                var started = Clock.Now;
                var outcome = await PlayOneAsync();
                var ended = Clock.Now;
                if (ended < measureFrom || ended > deadline)
                {
                    // Finished in the warm-up, or cut off or finished after the window: not a game of the window.
                    continue;
                }

                if (outcome == GameOutcome.Completed)
                {
                    record.GameCompleted(System.Diagnostics.Stopwatch.GetElapsedTime(started, ended));
                }
                else if (outcome == GameOutcome.Failed)
                {
                    record.GameFailed();
                }
            }
        }

        private async Task<GameOutcome> PlayOneAsync()
        {
            var game = _games++;
            var seats = new Seat[3];
            for (var p = 0; p < seats.Length; p++)
            {
                var reply = await StepAsync(Endpoint.Guest, HttpMethod.Post, "auth/guest", null, _guest, keepBody: true);
                if (reply?.Outcome.Succeeded != true)
                {
                    return Ended(reply);
                }

                var pair = GatewayClient.Read<TokenPair>(reply.Value.Body!)!;
                seats[p] = new Seat(pair.UserId, pair.AccessToken);
            }

            var created = await StepAsync(Endpoint.Create, HttpMethod.Post, "rooms/private", seats[0].AccessToken, GatewayClient.Body(new CreateRoomRequest($"table {number} game {game}", RoomSetup.Topic, _dropouts is null ? null : "continue")), keepBody: true);
            if (created?.Outcome.Succeeded != true)
            {
                return Ended(created);
            }

            var code = GatewayClient.Read<RoomCreated>(created.Value.Body!)!.RoomCode;
            var expected = _dropouts is null ? null : new ExpectedEvents(code, seats.Select(s => s.UserId).ToList(), Rounds);
            if (expected is not null)
            {
                record.Games.Enqueue(expected);
            }

            for (var p = 1; p < seats.Length; p++)
            {
                var joined = await StepAsync(Endpoint.Join, HttpMethod.Post, "rooms/join", seats[p].AccessToken, GatewayClient.Body(new JoinRequest(code, $"p{p}")), keepBody: false);
                if (joined?.Outcome.Succeeded != true)
                {
                    return Ended(joined);
                }
            }

            var roles = await StepAsync(Endpoint.AssignRoles, HttpMethod.Post, $"rooms/assign-roles/{code}", seats[0].AccessToken, RoomSetup.EmptyObject, keepBody: false);
            if (roles?.Outcome.Succeeded != true)
            {
                return Ended(roles);
            }

            var start = await StepAsync(Endpoint.Start, HttpMethod.Post, $"rooms/{code}/start", seats[0].AccessToken, null, keepBody: false);
            if (start?.Outcome.Succeeded != true)
            {
                return Ended(start);
            }

            IReadOnlyList<Vanisher> vanishers = _dropouts is null ? [] : DropoutPlan.For(_dropouts.Rate, number, options.Tables, game, seats.Length, Rounds);
            var sockets = new VanishingSocket?[seats.Length];
            try
            {
                return await PlayRoundsAsync(code, seats, vanishers, sockets, expected);
            }
            finally
            {
                // A game cut short leaves no socket behind.
                foreach (var socket in sockets)
                {
                    if (socket is not null)
                    {
                        await socket.DisposeAsync();
                    }
                }
            }
        }

        private async Task<GameOutcome> PlayRoundsAsync(string code, Seat[] seats, IReadOnlyList<Vanisher> vanishers, VanishingSocket?[] sockets, ExpectedEvents? expected)
        {
            // Only the players who will vanish open a socket: presence is known (and lost) through sockets.
            foreach (var vanisher in vanishers)
            {
                var opened = await OpenSocketAsync(code, seats[vanisher.Seat]);
                if (opened.Socket is null)
                {
                    return opened.Outcome;
                }

                sockets[vanisher.Seat] = opened.Socket;
            }

            var gone = new bool[seats.Length];
            var choicePath = $"rooms/{code}/round-choice";
            var consensusPath = $"rooms/{code}/consensus-choice";
            for (var round = 1; round <= Rounds; round++)
            {
                var vanishing = vanishers.Where(v => v.Round == round).Select(v => v.Seat).ToList();
                foreach (var seat in vanishing)
                {
                    await sockets[seat]!.DisposeAsync();
                    sockets[seat] = null;
                    gone[seat] = true;
                    record.PlayerVanished();
                    expected!.Vanished(seats[seat].UserId, round);
                }

                for (var p = 0; p < seats.Length; p++)
                {
                    if (gone[p])
                    {
                        continue;
                    }

                    var chosen = await StepAsync(Endpoint.RoundChoice, HttpMethod.Post, choicePath, seats[p].AccessToken, _choices[((round - 1) * 3) + p], keepBody: false);
                    if (chosen?.Outcome.Succeeded != true)
                    {
                        return Ended(chosen);
                    }
                }

                foreach (var seat in vanishing)
                {
                    var dropped = await AwaitDropAsync(code, seats[Array.IndexOf(gone, false)], seats[seat].UserId);
                    if (dropped != GameOutcome.Completed)
                    {
                        return dropped;
                    }
                }

                // Anyone may record the consensus: the first player still at the table does.
                var agreed = await StepAsync(Endpoint.Consensus, HttpMethod.Post, consensusPath, seats[Array.IndexOf(gone, false)].AccessToken, _consensus[round - 1], keepBody: false);
                if (agreed?.Outcome.Succeeded != true)
                {
                    return Ended(agreed);
                }
            }

            var statistics = await StepAsync(Endpoint.Statistics, HttpMethod.Get, $"rooms/{code}/statistics", seats[Array.LastIndexOf(gone, false)].AccessToken, null, keepBody: false);
            return statistics?.Outcome.Succeeded == true ? GameOutcome.Completed : Ended(statistics);
        }

        /// <summary>The player's signaling socket, joined; timed under its own endpoint like a request.</summary>
        private async Task<(VanishingSocket? Socket, GameOutcome Outcome)> OpenSocketAsync(string code, Seat seat)
        {
            var sentAt = Clock.Now;
            var (socket, failure) = await VanishingSocket.OpenAsync(options.Url, code, seat.AccessToken, options.RequestTimeout, cancellationToken);
            Record(Endpoint.Signaling, sentAt, new Outcome(socket is null ? 0 : 101, failure, System.Diagnostics.Stopwatch.GetElapsedTime(sentAt)), socket is not null);
            return (socket, socket is null ? GameOutcome.Failed : GameOutcome.Completed);
        }

        /// <summary>
        /// The consensus waits for every player still in the game; a vanished one is in it until the
        /// server's grace period drops them, so the players left look until it has (Completed), or give up.
        /// </summary>
        private async Task<GameOutcome> AwaitDropAsync(string code, Seat looking, long vanished)
        {
            var until = Clock.After(Clock.Now, _dropouts!.Wait);
            while (true)
            {
                var reply = await StepAsync(Endpoint.AwaitDrop, HttpMethod.Get, $"rooms/{code}", looking.AccessToken, null, keepBody: true);
                if (reply?.Outcome.Succeeded != true)
                {
                    return Ended(reply);
                }

                var room = GatewayClient.Read<RoomPresence>(reply.Value.Body!)!;
                if (room.Participants.Any(p => p.UserId == vanished && p.Presence == "dropped"))
                {
                    return GameOutcome.Completed;
                }

                if (!Clock.Before(until))
                {
                    return GameOutcome.Failed;
                }

                await Task.Delay(DropPoll, cancellationToken);
            }
        }

        /// <summary>No reply: the window (or the request cap) ended the game; a reply that is not 2xx failed it.</summary>
        private static GameOutcome Ended(Reply? reply) => reply is null ? GameOutcome.Cut : GameOutcome.Failed;

        /// <summary>One request, recorded under its endpoint if it was sent inside the measured window; none once the window is over.</summary>
        private async Task<Reply?> StepAsync(Endpoint endpoint, HttpMethod method, string path, string? accessToken, byte[]? body, bool keepBody)
        {
            // With dropouts a game once started is played to its end, window and cap or not: the check
            // afterwards wants every game finished.
            var withinBounds = Clock.Before(deadline) && record.Budget.TryTake();
            if (!withinBounds && _dropouts is null)
            {
                return null;
            }

            var sentAt = Clock.Now;
            var reply = await client.CallAsync(method, path, accessToken, body, keepBody, cancellationToken);
            Record(endpoint, sentAt, reply.Outcome, reply.Outcome.Succeeded);
            return reply;
        }

        /// <summary>Counted under its endpoint if sent inside the measured window (games finished after it are not); warm-up failures apart.</summary>
        private void Record(Endpoint endpoint, long sentAt, Outcome outcome, bool succeeded)
        {
            if (sentAt >= measureFrom && sentAt <= deadline)
            {
                if (succeeded)
                {
                    record.Endpoints[endpoint.Index].Success(outcome);
                }
                else
                {
                    record.Endpoints[endpoint.Index].Error(outcome);
                }
            }
            else if (!succeeded && sentAt < measureFrom)
            {
                record.WarmupErrors.Add($"{endpoint.Name} {outcome.Describe()}");
            }
        }
    }

    private enum GameOutcome
    {
        Completed,
        Failed,
        Cut,
    }
}

/// <summary>One endpoint's requests sent inside the measured window: successful latency, and failures by status and problem code.</summary>
public sealed record EndpointStats(string Endpoint, long Requests, LatencySummary Latency, long Errors, IReadOnlyDictionary<string, long> ErrorsByKind);

public sealed record FullGamesResult(
    RunHeader Run,
    int Tables,
    double WarmupSeconds,
    double MeasuredSeconds,
    long GamesCompleted,
    double GamesPerSecond,
    LatencySummary GameDuration,
    long GamesFailed,
    long Requests,
    double RequestsPerSecond,
    long Errors,
    IReadOnlyList<EndpointStats> Endpoints,
    IReadOnlyDictionary<string, long> WarmupErrorsByKind,
    long ConnectionsOpened,
    bool RequestCapReached,
    CpuReport Cpu) : IScenarioResult
{
    /// <summary>--dropout-rate: the share of players meant to vanish (none: nobody did).</summary>
    public double? DropoutRate { get; init; }

    /// <summary>With dropouts: the database checked against the events the run caused.</summary>
    public DropoutCheck? Dropouts { get; init; }

    /// <summary>With dropouts the run also fails when the database does not hold what the run caused.</summary>
    [JsonIgnore]
    public bool Passed => MeasuredSomething && Dropouts?.Passed != false;

    public IReadOnlyList<string> Warnings
    {
        get
        {
            var warnings = new List<string>();
            if (GamesCompleted == 0)
            {
                warnings.Add("no game was completed in the measured window");
            }

            if (Errors > 0 || GamesFailed > 0)
            {
                warnings.Add($"{Text.Whole(Errors)} requests failed; {Text.Whole(GamesFailed)} games were abandoned");
            }

            if (WarmupErrorsByKind.Count > 0)
            {
                warnings.Add($"requests failed during the warm-up too: {Text.Kinds(WarmupErrorsByKind)}");
            }

            if (Dropouts is { Passed: false })
            {
                warnings.Add("the dropout check failed: not every game finished, or room_events holds other rows than the run caused");
            }

            if (RequestCapReached)
            {
                warnings.Add("the request cap ended the run before its duration");
            }

            return warnings;
        }
    }

    [JsonIgnore]
    public bool MeasuredSomething => GamesCompleted > 0;

    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine($"full-games  {Run.Url}  {Tables} tables ({Text.Whole(ConnectionsOpened)} connections opened), {Text.Num(WarmupSeconds, "0.#")} s warm-up, {Text.Num(Run.DurationSeconds, "0.#")} s measured");
        text.AppendLine($"  games completed  {Text.Whole(GamesCompleted),9}  {Text.Num(GamesPerSecond, "0.00"),9}/s  game duration {Text.Latency(GameDuration)}");
        text.AppendLine($"  games abandoned  {Text.Whole(GamesFailed),9}");
        text.AppendLine($"  requests         {Text.Whole(Requests),9}  {Text.Num(RequestsPerSecond, "0.0"),9}/s  errors {Text.Whole(Errors)}");
        foreach (var endpoint in Endpoints)
        {
            text.AppendLine($"  {endpoint.Endpoint,-36} {Text.Whole(endpoint.Requests),8}  {Text.Latency(endpoint.Latency)}  {(endpoint.Errors > 0 ? $"errors {Text.Whole(endpoint.Errors)} {Text.Kinds(endpoint.ErrorsByKind)}" : string.Empty)}");
        }

        text.AppendLine($"  cpu              {Text.Cpu(Cpu)}");
        if (Dropouts is not null)
        {
            text.AppendLine($"  dropout rate     {Text.Num(DropoutRate ?? 0, "0.###")} of the players (games in progress at the window's end were played to their end, not counted above)");
            text.Append(Dropouts.Describe());
        }

        foreach (var warning in Warnings)
        {
            text.AppendLine($"  warning: {warning}");
        }

        return Text.Tidy(text);
    }
}
