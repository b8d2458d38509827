using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;
using Dilemma.Tests.Deployment;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using MySqlConnector;
using StackExchange.Redis;

namespace Dilemma.Tests.Failover;

/// <summary>The size of a failover run: tables playing at once, and the seconds of play before, between and after the faults.</summary>
public sealed record FailoverRunSize(int Tables, TimeSpan BeforeFaults, TimeSpan BetweenFaults);

/// <summary>
/// What one fault cost, from the fault until the next one: requests that failed (ended failing in that time) and when the last of them ended;
/// signaling sockets that broke, how many of them were joined again, and the longest time that took. For a restart,
/// <see cref="ServerDownSeconds"/> is how long the server took from the kill until it answered again.
/// </summary>
public sealed record FaultReport(string Fault, double ServerDownSeconds, int RequestsFailed, string FailedAs, double SecondsUntilRequestsSucceed, int SocketsDropped, int SocketsRejoined, double LongestRejoinSeconds);

/// <summary>
/// A run's figures; <see cref="MissingAcknowledged"/> must be 0, every started game finished, and MariaDB must
/// hold exactly the rooms whose creation was acknowledged (<see cref="RoomsInDatabase"/>, by the run's hosts).
/// <see cref="SocketsJoined"/> counts signaling sockets joined for the first time; every one that broke was joined again.
/// </summary>
public sealed record FailoverReport(
    int Tables, int GamesStarted, int GamesFinished, int RoomsAcknowledged, int RoomsInDatabase, int RoomsNotAcknowledged, long Requests, long AcknowledgedChoices, long MissingAcknowledged, int SocketsJoined, int MembershipRows, double SetupSeconds, double PlaySeconds, IReadOnlyList<FaultReport> Faults)
{
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"tables {Tables}; games started {GamesStarted}, finished {GamesFinished}; rooms created {RoomsAcknowledged}, in MariaDB {RoomsInDatabase} ({RoomsNotAcknowledged} not acknowledged); requests {Requests}; acknowledged choices and consensus rows {AcknowledgedChoices}, missing from MariaDB {MissingAcknowledged}; signaling sockets {SocketsJoined}; silos in Redis membership at the end {MembershipRows}; set up in {SetupSeconds:F0} s, played {PlaySeconds:F0} s");
        foreach (var fault in Faults)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  {fault.Fault}: server down {fault.ServerDownSeconds:F1} s; {fault.RequestsFailed} requests failed ({fault.FailedAs}), requests succeed again after {fault.SecondsUntilRequestsSucceed:F1} s; {fault.SocketsDropped} sockets dropped, {fault.SocketsRejoined} rejoined (longest {fault.LongestRejoinSeconds:F1} s)");
        }

        return text.ToString();
    }
}

/// <summary>
/// The failover run (#16, #20): three silo processes and two gateway processes behind Debian's nginx, on a
/// MariaDB and a Redis of the run's own (<see cref="OwnServices"/>), with tables playing whole games through
/// nginx the way the browser client does (every write retried under one key per logical request, exponential
/// jittered backoff: see <see cref="RetriedSubmission"/>; every player holding a signaling socket and joining
/// again when it breaks: see <see cref="HeldSignaling"/>). During the run one silo is SIGKILLed, later one
/// gateway, then Redis and then MariaDB are SIGKILLed and started again on their data. Afterwards every
/// acknowledged choice and consensus is looked up in MariaDB.
/// </summary>
public sealed class FailoverRun(bool orleansDefaults = false) : IAsyncDisposable
{
    /// <summary>How long a table waits at the end of a game for its dropped sockets to be joined again.</summary>
    private static readonly TimeSpan RejoinDeadline = TimeSpan.FromSeconds(30);

    private readonly List<HostProcess> _silos = [];
    private readonly List<HostProcess> _gateways = [];
    private readonly Stopwatch _clock = new();
    /// <summary>Every request: when it started and ended, and how (its status code, or the exception that broke it).</summary>
    private readonly List<(TimeSpan Started, TimeSpan Ended, bool Ok, string Outcome)> _requests = [];
    private readonly Lock _lock = new();
    private readonly List<(string Room, long UserId, int Round, string SubmissionId)> _choices = [];
    private readonly List<(string Room, int Round, string SubmissionId)> _consensus = [];
    private readonly List<(long Host, string Room)> _rooms = [];
    private string _directory = "";
    private OwnServices? _services;
    private HeldSignaling? _signaling;
    private ServerProcess? _nginx;
    private ClusterDeployment? _deployment;
    private int _started;
    private int _finished;

    public async Task<FailoverReport> RunAsync(FailoverRunSize size, CancellationToken cancellationToken)
    {
        var setup = Stopwatch.StartNew();
        _directory = RunDirectory.Create();
        _services = await OwnServices.StartAsync(Path.Combine(_directory, "services"), cancellationToken);
        // The schema is applied before the silos start; the gateways need one silo in membership (their Orleans
        // client gives up without one), and then the other four hosts start side by side: the short form stays short.
        _deployment = await ClusterDeployment.CreateAsync(_services.MySqlServer, _services.Redis, "chaos_", cancellationToken, migrate: true);
        await SiloAsync(0, cancellationToken);
        await Task.WhenAll(Enumerable.Range(1, 2).Select(i => SiloAsync(i, cancellationToken)).Concat(Enumerable.Range(0, 2).Select(i => GatewayAsync(i, cancellationToken))));
        var httpPort = FreePort.Next();
        var variables = NginxConfigTests.Variables(_directory, "off", httpPort, FreePort.Next(), _gateways[0].Address, _gateways[1].Address);
        _nginx = ServerProcess.Start("nginx", NginxSite.Executable(), NginxSite.Arguments(NginxSite.Render(_directory, variables)), _directory);
        using var http = new HttpClient(new Recorder(this) { InnerHandler = new SocketsHttpHandler() })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        await _nginx.WaitUntilReadyAsync(ct => AnswersAsync(http, ct), TimeSpan.FromSeconds(30), cancellationToken);

        _clock.Start();
        using var stop = new CancellationTokenSource();
        var retries = new RetriedSubmission(_clock);
        _signaling = new HeldSignaling(http.BaseAddress, _clock);
        var tables = Enumerable.Range(0, size.Tables).Select(_ => Task.Run(() => TableAsync(http, retries, stop.Token, cancellationToken), cancellationToken)).ToArray();

        var faults = new List<(string Name, TimeSpan At, TimeSpan Down)>();
        await Task.Delay(size.BeforeFaults, cancellationToken);
        faults.Add(("silo SIGKILL", _clock.Elapsed, TimeSpan.Zero));
        await _silos[1].KillAsync(cancellationToken);
        await Task.Delay(size.BetweenFaults, cancellationToken);
        faults.Add(("gateway SIGKILL", _clock.Elapsed, TimeSpan.Zero));
        await _gateways[0].KillAsync(cancellationToken);
        await Task.Delay(size.BetweenFaults, cancellationToken);
        // The restarts are timed from the kill: the time the server takes to come back is part of the fault.
        var at = _clock.Elapsed;
        await _services.RestartRedisAsync(cancellationToken);
        faults.Add(("Redis SIGKILL and restart", at, _clock.Elapsed - at));
        await Task.Delay(size.BetweenFaults, cancellationToken);
        at = _clock.Elapsed;
        await _services.RestartMariaDbAsync(cancellationToken);
        faults.Add(("MariaDB SIGKILL and restart", at, _clock.Elapsed - at));
        await Task.Delay(size.BetweenFaults, cancellationToken);
        var end = _clock.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(tables).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);

        var missing = await MissingAsync(_deployment.MySqlConnectionString, cancellationToken);
        var membership = await MembershipRowsAsync(_services.Redis);
        var rooms = await RoomsAsync(_deployment.MySqlConnectionString, cancellationToken);
        lock (_lock)
        {
            var reports = faults.Select((f, i) => Fault(f.Name, f.At, f.Down, i + 1 < faults.Count ? faults[i + 1].At : end)).ToList();
            return new FailoverReport(
                size.Tables, _started, _finished, _rooms.Count, rooms.Count, rooms.Except(_rooms).Count(), _requests.Count, _choices.Count + _consensus.Count, missing, _signaling.Joined, membership, setup.Elapsed.TotalSeconds - _clock.Elapsed.TotalSeconds, end.TotalSeconds, reports);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_nginx is not null)
        {
            await _nginx.DisposeAsync();
        }

        foreach (var host in _gateways.Concat(_silos))
        {
            await host.DisposeAsync();
        }

        if (_deployment is not null)
        {
            await _deployment.DisposeAsync();
        }

        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        if (_directory.Length > 0)
        {
            RunDirectory.Delete(_directory);
        }
    }

    private async Task SiloAsync(int index, CancellationToken cancellationToken)
    {
        var (environment, _) = _deployment!.SiloProcessEnvironment(OrleansOverrides);
        var silo = await HostProcess.StartSiloAsync(Path.Combine(_directory, $"silo-{index + 1}"), FreePort.Next(), environment, cancellationToken);
        lock (_lock)
        {
            _silos.Add(silo);
        }
    }

    private async Task GatewayAsync(int index, CancellationToken cancellationToken)
    {
        var gateway = await HostProcess.StartGatewayAsync(Path.Combine(_directory, $"gateway-{index + 1}"), FreePort.Next(), GatewaySettings(), cancellationToken);
        lock (_lock)
        {
            _gateways.Add(gateway);
        }
    }

    /// <summary>
    /// For the "before" figures: Orleans' own defaults for the timing settings (the membership table refresh,
    /// heartbeat and vote expiry stay as FailureDetectionSettings fixes them).
    /// </summary>
    private Dictionary<string, string> OrleansOverrides => orleansDefaults
        ? new()
        {
            ["Cluster__ProbeTimeoutSeconds"] = "5",
            ["Cluster__ResponseTimeoutSeconds"] = "30",
            ["Cluster__GatewayListRefreshSeconds"] = "60",
        }
        : [];

    private Dictionary<string, string> GatewaySettings() => new(OrleansOverrides)
    {
        ["Cluster__Mode"] = "Cluster",
        ["ConnectionStrings__Redis"] = _deployment!.RedisConnectionString,
        ["Cluster__ServiceId"] = _deployment.ServiceId,
        ["Cluster__ClusterId"] = _deployment.ServiceId,
        ["Auth__JwtKey"] = GatewayFactory.JwtKey,
        // Every table signs in and opens rooms from 127.0.0.1: limits that never apply.
        ["RateLimits__Rooms__CreateBurst"] = GatewayFactory.Generous,
        ["RateLimits__Rooms__CreatesPerMinute"] = GatewayFactory.Generous,
        ["RateLimits__Rooms__CreateBurstPerAddress"] = GatewayFactory.Generous,
        ["RateLimits__Rooms__CreatesPerMinutePerAddress"] = GatewayFactory.Generous,
        ["RateLimits__Rooms__LookupBurstPerUser"] = GatewayFactory.Generous,
        ["RateLimits__Rooms__LookupsPerMinutePerUser"] = GatewayFactory.Generous,
        ["RateLimits__Rooms__LookupBurstPerAddress"] = GatewayFactory.Generous,
        ["RateLimits__Rooms__LookupsPerMinutePerAddress"] = GatewayFactory.Generous,
        ["RateLimits__AiScenariosPerMinutePerAddress"] = GatewayFactory.Generous,
        ["RateLimits__AiAnswersPerMinute"] = GatewayFactory.Generous,
        ["RateLimits__AiAnswersPerMinutePerAddress"] = GatewayFactory.Generous,
        ["RateLimits__WsTicketsPerMinute"] = GatewayFactory.Generous,
        ["RateLimits__WsTicketsPerMinutePerAddress"] = GatewayFactory.Generous,
        ["RateLimits__Auth__GuestSignInsPerWindow"] = GatewayFactory.Generous,
        ["RateLimits__Auth__RegistrationsPerWindow"] = GatewayFactory.Generous,
    };

    /// <summary>
    /// Games one after another until told to stop; a game that got past start is played to the end. Its setup is
    /// retried like every other write (guest sign-in under one guest_id, the rest under one Idempotency-Key per
    /// step), so a fault delays a setup rather than abandoning it, and a retried creation leaves one room.
    /// </summary>
    private async Task TableAsync(HttpClient http, RetriedSubmission retries, CancellationToken stop, CancellationToken cancellationToken)
    {
        while (!stop.IsCancellationRequested)
        {
            var room = await retries.StartedRoomAsync(http, (host, code) => Keep(() => _rooms.Add((host, code))), cancellationToken);

            Interlocked.Increment(ref _started);
            using var gameOver = new CancellationTokenSource();
            var holds = room.Players.Select(_ => new SignalingHold()).ToArray();
            var sockets = room.Players.Select((p, i) => Task.Run(() => _signaling!.HoldAsync(p, room.Code, holds[i], gameOver.Token), cancellationToken)).ToArray();
            for (var round = 1; round <= 5; round++)
            {
                foreach (var (player, i) in room.Players.Select((p, i) => (p, i)))
                {
                    var id = RetriedSubmission.NewId();
                    await retries.ChooseAsync(player, room.Code, round, i % 2, id, cancellationToken);
                    Keep(() => _choices.Add((room.Code, player.UserId, round, id)));
                }

                var consensus = RetriedSubmission.NewId();
                await retries.ConsensusAsync(room.Players[0], room.Code, round, consensus, cancellationToken);
                Keep(() => _consensus.Add((room.Code, round, consensus)));
            }

            // A socket the faults broke must be back before the game counts as played through.
            await WaitUntilAsync(() => holds.All(h => h.IsJoined), RejoinDeadline, $"the signaling sockets of room {room.Code} joined", cancellationToken);
            await gameOver.CancelAsync();
            await Task.WhenAll(sockets);
            Interlocked.Increment(ref _finished);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    /// <summary>Acknowledged choices and consensus rows that MariaDB does not hold with the acknowledged submission_id.</summary>
    private async Task<long> MissingAsync(string mySql, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(mySql);
        var choices = (await connection.QueryAsync<(string Room, long UserId, int Round, string SubmissionId)>(new CommandDefinition(
            "SELECT room_code, user_id, round_number, submission_id FROM round_choices WHERE revision = 1", cancellationToken: cancellationToken))).ToHashSet();
        var consensus = (await connection.QueryAsync<(string Room, int Round, string SubmissionId)>(new CommandDefinition(
            "SELECT room_code, round_number, submission_id FROM consensus_choices", cancellationToken: cancellationToken))).ToHashSet();
        lock (_lock)
        {
            return _choices.Count(c => !choices.Contains(c)) + _consensus.Count(c => !consensus.Contains(c));
        }
    }

    /// <summary>
    /// The silo rows of the membership table in the run's own Redis (a hash per cluster, one field per silo
    /// beside its "Version"): after the Redis restart they must still be there, or no silo failure after it
    /// could be declared and no new silo could join the running ones.
    /// </summary>
    private static async Task<int> MembershipRowsAsync(string redis)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var server = connection.GetServers().Single();
        var rows = 0;
        await foreach (var key in server.KeysAsync())
        {
            if (await connection.GetDatabase().KeyTypeAsync(key) == RedisType.Hash)
            {
                rows += (await connection.GetDatabase().HashKeysAsync(key)).Count(field => field != "Version");
            }
        }

        return rows;
    }

    /// <summary>The rooms MariaDB holds whose host is one of the run's hosts (each host opened one room).</summary>
    private async Task<List<(long Host, string Room)>> RoomsAsync(string mySql, CancellationToken cancellationToken)
    {
        long[] hosts;
        lock (_lock)
        {
            hosts = [.. _rooms.Select(r => r.Host)];
        }

        await using var connection = new MySqlConnection(mySql);
        return [.. await connection.QueryAsync<(long Host, string Room)>(new CommandDefinition(
            "SELECT host_user_id, room_code FROM rooms WHERE host_user_id IN @hosts", new { hosts }, cancellationToken: cancellationToken))];
    }

    private static async Task<bool> AnswersAsync(HttpClient http, CancellationToken cancellationToken)
    {
        try
        {
            return (await http.GetAsync("/health", cancellationToken)).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private FaultReport Fault(string name, TimeSpan at, TimeSpan down, TimeSpan until)
    {
        // By the end: a request the next fault broke ends after that fault and counts there, not here.
        var failed = _requests.Where(r => !r.Ok && r.Ended >= at && r.Ended < until).ToList();
        var drops = _signaling!.Drops.Where(d => d.Dropped >= at && d.Dropped < until).ToList();
        var rejoined = drops.Where(d => d.Rejoined is not null).ToList();
        return new FaultReport(
            name,
            down.TotalSeconds,
            failed.Count,
            string.Join(", ", failed.GroupBy(r => r.Outcome).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} x{g.Count()}")),
            failed.Count == 0 ? 0 : (failed.Max(r => r.Ended) - at).TotalSeconds,
            drops.Count,
            rejoined.Count,
            rejoined.Count == 0 ? 0 : rejoined.Max(d => d.Rejoined!.Value - d.Dropped).TotalSeconds);
    }

    private void Keep(Action add)
    {
        lock (_lock)
        {
            add();
        }
    }

    /// <summary>" outcome_unknown" for a problem answer with that code, so a fault's 503s say which kind they were; otherwise nothing.</summary>
    private static async Task<string> ProblemCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return "";
        }

        // Reading buffers the body, so the table that sent the request still reads it whole.
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            return JsonDocument.Parse(body).RootElement.TryGetProperty("code", out var code) ? " " + code.GetString() : "";
        }
        catch (JsonException)
        {
            return " unreadable problem";
        }
    }

    /// <summary>Times every request the tables send, and whether it got a 2xx.</summary>
    private sealed class Recorder(FailoverRun run) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var started = run._clock.Elapsed;
            var ok = false;
            var outcome = "";
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                ok = response.IsSuccessStatusCode;
                outcome = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture) + await ProblemCodeAsync(response, cancellationToken);
                return response;
            }
            catch (Exception e)
            {
                outcome = e.GetType().Name;
                throw;
            }
            finally
            {
                var ended = run._clock.Elapsed;
                run.Keep(() => run._requests.Add((started, ended, ok, outcome)));
            }
        }
    }
}
