using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dapper;
using Dilemma.Tests.Deployment;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using MySqlConnector;

namespace Dilemma.Tests.Failover;

/// <summary>The size of a failover run: tables playing at once, and the seconds of play before, between and after the faults.</summary>
public sealed record FailoverRunSize(int Tables, TimeSpan BeforeFaults, TimeSpan BetweenFaults);

/// <summary>What one fault cost: requests that failed from the fault until the next one, and when the last of them ended.</summary>
public sealed record FaultReport(string Fault, int RequestsFailed, double SecondsUntilRequestsSucceed);

/// <summary>
/// A run's figures; <see cref="MissingAcknowledged"/> must be 0, every started game finished, and MariaDB must
/// hold exactly the rooms whose creation was acknowledged (<see cref="RoomsInDatabase"/>, by the run's hosts).
/// </summary>
public sealed record FailoverReport(
    int Tables, int GamesStarted, int GamesFinished, int RoomsAcknowledged, int RoomsInDatabase, int RoomsNotAcknowledged, long Requests, long AcknowledgedChoices, long MissingAcknowledged, IReadOnlyList<FaultReport> Faults)
{
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"tables {Tables}; games started {GamesStarted}, finished {GamesFinished}; rooms created {RoomsAcknowledged}, in MariaDB {RoomsInDatabase} ({RoomsNotAcknowledged} not acknowledged); requests {Requests}; acknowledged choices and consensus rows {AcknowledgedChoices}, missing from MariaDB {MissingAcknowledged}");
        foreach (var fault in Faults)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  {fault.Fault}: {fault.RequestsFailed} requests failed, requests succeed again after {fault.SecondsUntilRequestsSucceed:F1} s");
        }

        return text.ToString();
    }
}

/// <summary>
/// The failover run (#16, #20): three silo processes and two gateway processes behind Debian's nginx, on the
/// test MariaDB and Redis, with tables playing whole games through nginx the way the browser client does
/// (every write retried under one key per logical request, exponential jittered backoff: see
/// <see cref="RetriedSubmission"/>). During the run one
/// silo is SIGKILLed, later one gateway. Afterwards every acknowledged choice and consensus is looked up in
/// MariaDB. Redis and MariaDB are shared with the rest of the test run here, so they are not restarted.
/// </summary>
public sealed class FailoverRun(LocalServices services, bool orleansDefaults = false) : IAsyncDisposable
{
    private readonly List<HostProcess> _silos = [];
    private readonly List<HostProcess> _gateways = [];
    private readonly Stopwatch _clock = new();
    private readonly List<(TimeSpan Started, TimeSpan Ended, bool Ok)> _requests = [];
    private readonly Lock _lock = new();
    private readonly List<(string Room, long UserId, int Round, string SubmissionId)> _choices = [];
    private readonly List<(string Room, int Round, string SubmissionId)> _consensus = [];
    private readonly List<(long Host, string Room)> _rooms = [];
    private string _directory = "";
    private ServerProcess? _nginx;
    private ClusterDeployment? _deployment;
    private int _started;
    private int _finished;

    public async Task<FailoverReport> RunAsync(FailoverRunSize size, CancellationToken cancellationToken)
    {
        _directory = RunDirectory.Create();
        _deployment = await ClusterDeployment.CreateAsync(services, "chaos_", cancellationToken);
        await SiloAsync(0, cancellationToken);
        await Task.WhenAll(Enumerable.Range(1, 2).Select(i => SiloAsync(i, cancellationToken)));
        _gateways.AddRange(await Task.WhenAll(Enumerable.Range(0, 2).Select(i => HostProcess.StartGatewayAsync(Path.Combine(_directory, $"gateway-{i + 1}"), FreePort.Next(), GatewaySettings(), cancellationToken))));
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
        var tables = Enumerable.Range(0, size.Tables).Select(_ => Task.Run(() => TableAsync(http, retries, stop.Token, cancellationToken), cancellationToken)).ToArray();

        var faults = new List<(string Name, TimeSpan At)>();
        await Task.Delay(size.BeforeFaults, cancellationToken);
        faults.Add(("silo SIGKILL", _clock.Elapsed));
        await _silos[1].KillAsync(cancellationToken);
        await Task.Delay(size.BetweenFaults, cancellationToken);
        faults.Add(("gateway SIGKILL", _clock.Elapsed));
        await _gateways[0].KillAsync(cancellationToken);
        await Task.Delay(size.BetweenFaults, cancellationToken);
        var end = _clock.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(tables).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);

        var missing = await MissingAsync(_deployment.MySqlConnectionString, cancellationToken);
        var rooms = await RoomsAsync(_deployment.MySqlConnectionString, cancellationToken);
        lock (_lock)
        {
            var reports = faults.Select((f, i) => Fault(f.Name, f.At, i + 1 < faults.Count ? faults[i + 1].At : end)).ToList();
            return new FailoverReport(
                size.Tables, _started, _finished, _rooms.Count, rooms.Count, rooms.Except(_rooms).Count(), _requests.Count, _choices.Count + _consensus.Count, missing, reports);
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
        ["RateLimits__Rooms__LookupBurstPerUser"] = GatewayFactory.Generous,
        ["RateLimits__Rooms__LookupsPerMinutePerUser"] = GatewayFactory.Generous,
        ["RateLimits__Rooms__LookupBurstPerAddress"] = GatewayFactory.Generous,
        ["RateLimits__Rooms__LookupsPerMinutePerAddress"] = GatewayFactory.Generous,
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

            Interlocked.Increment(ref _finished);
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

    private FaultReport Fault(string name, TimeSpan at, TimeSpan until)
    {
        var failed = _requests.Where(r => !r.Ok && r.Ended >= at && r.Started < until).ToList();
        return new FaultReport(name, failed.Count, failed.Count == 0 ? 0 : (failed.Max(r => r.Ended) - at).TotalSeconds);
    }

    private void Keep(Action add)
    {
        lock (_lock)
        {
            add();
        }
    }

    /// <summary>Times every request the tables send, and whether it got a 2xx.</summary>
    private sealed class Recorder(FailoverRun run) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var started = run._clock.Elapsed;
            var ok = false;
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                ok = response.IsSuccessStatusCode;
                return response;
            }
            finally
            {
                var ended = run._clock.Elapsed;
                run.Keep(() => run._requests.Add((started, ended, ok)));
            }
        }
    }
}
