using System.Text;
using System.Text.Json.Serialization;
using Dilemma.LoadTest.Cli;
using Dilemma.LoadTest.Http;
using Dilemma.LoadTest.Measurement;
using Dilemma.LoadTest.Reporting;

namespace Dilemma.LoadTest.Scenarios;

/// <summary>
/// Whole games through the gateway, as three browsers would play them one request after
/// another: fresh guests, a private room, joins, roles, start, five rounds of three choices and
/// a consensus, and the statistics. Each table plays one game at a time and starts the next as
/// soon as one ends, so games per second is what the server sustains at that many tables.
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
            .Select(t => Task.Run(() => new Table(client, t, record, measureFrom, deadline, cancellationToken).PlayAsync(), cancellationToken))
            .ToArray();

        await Clock.UntilAsync(measureFrom, cancellationToken);
        var cpu = CpuWatch.Start(options.ServerProcesses);
        await Task.WhenAll(tables);
        var wall = System.Diagnostics.Stopwatch.GetElapsedTime(measureFrom);
        var cpuReport = cpu.Stop(wall);

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
            cpuReport);
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

        public static readonly Endpoint[] All = [Guest, Create, Join, AssignRoles, Start, RoundChoice, Consensus, Statistics];

        public int Index => Array.IndexOf(All, this);
    }

    /// <summary>What all tables record into.</summary>
    private sealed class GameRecord(RequestBudget budget)
    {
        private long _completed;
        private long _failed;

        public RequestBudget Budget { get; } = budget;

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
    private sealed class Table(GatewayClient client, int number, GameRecord record, long measureFrom, long deadline, CancellationToken cancellationToken)
    {
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

            var created = await StepAsync(Endpoint.Create, HttpMethod.Post, "rooms/private", seats[0].AccessToken, GatewayClient.Body(new CreateRoomRequest($"table {number} game {game}", RoomSetup.Topic)), keepBody: true);
            if (created?.Outcome.Succeeded != true)
            {
                return Ended(created);
            }

            var code = GatewayClient.Read<RoomCreated>(created.Value.Body!)!.RoomCode;
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

            var choicePath = $"rooms/{code}/round-choice";
            var consensusPath = $"rooms/{code}/consensus-choice";
            for (var round = 1; round <= Rounds; round++)
            {
                for (var p = 0; p < seats.Length; p++)
                {
                    var chosen = await StepAsync(Endpoint.RoundChoice, HttpMethod.Post, choicePath, seats[p].AccessToken, _choices[((round - 1) * 3) + p], keepBody: false);
                    if (chosen?.Outcome.Succeeded != true)
                    {
                        return Ended(chosen);
                    }
                }

                var agreed = await StepAsync(Endpoint.Consensus, HttpMethod.Post, consensusPath, seats[0].AccessToken, _consensus[round - 1], keepBody: false);
                if (agreed?.Outcome.Succeeded != true)
                {
                    return Ended(agreed);
                }
            }

            var statistics = await StepAsync(Endpoint.Statistics, HttpMethod.Get, $"rooms/{code}/statistics", seats[1].AccessToken, null, keepBody: false);
            return statistics?.Outcome.Succeeded == true ? GameOutcome.Completed : Ended(statistics);
        }

        /// <summary>No reply: the window (or the request cap) ended the game; a reply that is not 2xx failed it.</summary>
        private static GameOutcome Ended(Reply? reply) => reply is null ? GameOutcome.Cut : GameOutcome.Failed;

        /// <summary>One request, recorded under its endpoint if it was sent inside the measured window; none once the window is over.</summary>
        private async Task<Reply?> StepAsync(Endpoint endpoint, HttpMethod method, string path, string? accessToken, byte[]? body, bool keepBody)
        {
            if (!Clock.Before(deadline) || !record.Budget.TryTake())
            {
                return null;
            }

            var sentAt = Clock.Now;
            var reply = await client.CallAsync(method, path, accessToken, body, keepBody, cancellationToken);
            if (sentAt >= measureFrom)
            {
                if (reply.Outcome.Succeeded)
                {
                    record.Endpoints[endpoint.Index].Success(reply.Outcome);
                }
                else
                {
                    record.Endpoints[endpoint.Index].Error(reply.Outcome);
                }
            }
            else if (!reply.Outcome.Succeeded)
            {
                record.WarmupErrors.Add($"{endpoint.Name} {reply.Outcome.Describe()}");
            }

            return reply;
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
        foreach (var warning in Warnings)
        {
            text.AppendLine($"  warning: {warning}");
        }

        return Text.Tidy(text);
    }
}
