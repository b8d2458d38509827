using System.Diagnostics;
using Dapper;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Tests.Deployment;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Dilemma.Tests.Failover;

/// <summary>
/// Three silos as real processes on the test MariaDB and Redis, a gateway in cluster mode, and one
/// silo SIGKILLed while rooms it hosts are taking choices. With the failure detection settings
/// (FailureDetectionSettings) the calls caught in flight end within 10 s, the dead silo leaves
/// membership, its rooms answer again from another silo, and the retries (same submission_id)
/// leave exactly one effect per acknowledged choice in MariaDB.
/// </summary>
/// <remarks>
/// Runs alone, after the parallel collections: a call caught in flight ends at the response timeout counted from when it
/// was sent, and on a 2-core machine shared with browser tests the victim had queued calls for a second or two before
/// the kill (they ended 10.1 s after it in one CI run, 8.7-8.8 s on a quiet machine). The bound is the issue's; what the
/// test measures is the cluster's failure handling, not how busy the other tests keep the cores.
/// </remarks>
[Collection(nameof(SiloKillTests))]
public sealed class SiloKillTests(LocalServices services)
{
    private const int Tables = 9;
    private static readonly TimeSpan InFlightBound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan EvictionBound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(15);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Calls_in_flight_to_a_killed_silo_end_within_10_s_and_their_retries_are_recorded_once()
    {
        var directory = RunDirectory.Create();
        await using var deployment = await ClusterDeployment.CreateAsync(services, "failover_", Ct);
        // The first silo applies the schema alone; the other two then start side by side.
        var silos = new List<SiloUnderTest>();
        try
        {
            await StartSiloAsync(deployment, directory, 0, silos);
            await Task.WhenAll(Enumerable.Range(1, 2).Select(i => StartSiloAsync(deployment, directory, i, silos)));
            var gateway = deployment.CreateGateway();
            using var client = gateway.CreateClient();
            client.Timeout = TimeSpan.FromSeconds(60);
            var grains = gateway.Services.GetRequiredService<IClusterClient>();
            var management = grains.GetGrain<IManagementGrain>(0);

            var rooms = await Task.WhenAll(Enumerable.Range(0, Tables).Select(_ => RoomKit.StartedRoomAsync(client, Ct)));
            var hosts = await Task.WhenAll(rooms.Select(r => management.GetActivationAddress(grains.GetGrain<IRoomGrain>(r.Code)).AsTask()));
            // The silo with the most rooms dies: it has calls in flight for certain.
            var victimAddress = hosts.Where(h => h is not null).GroupBy(h => h).OrderByDescending(g => g.Count()).First().Key!;
            var victimRooms = rooms.Where((_, i) => Equals(hosts[i], victimAddress)).Select(r => r.Code).ToHashSet();
            var victim = silos.Single(s => s.SiloPort == victimAddress.Endpoint.Port);

            var clock = Stopwatch.StartNew();
            var retries = new RetriedSubmission(clock);
            using var stopRevising = new CancellationTokenSource();
            var tables = rooms.Select(r => PlayAsync(retries, r.Players, r.Code, stopRevising.Token)).ToArray();

            // Every victim room has had choices acknowledged before the kill: the load is on it.
            await WaitUntilAsync(() => victimRooms.All(code => retries.Attempts.Count(a => a.RoomCode == code && a.Outcome == "201") >= 3), TimeSpan.FromSeconds(30), "choices on the victim's rooms");
            // From the moment the process is gone: what was sent before and not answered is in flight.
            await victim.Process.KillAsync(Ct);
            var killedAt = clock.Elapsed;

            await WaitUntilAsync(async () => !(await management.GetHosts(onlyActive: true)).ContainsKey(victimAddress), TimeSpan.FromSeconds(30), "the killed silo leaving membership");
            var evictedAfter = clock.Elapsed - killedAt;
            await WaitUntilAsync(() => retries.Attempts.Any(a => victimRooms.Contains(a.RoomCode) && a.Started > killedAt && a.Outcome == "201"), TimeSpan.FromSeconds(30), "a victim room answering again");
            var recoveredAfter = retries.Attempts.Where(a => victimRooms.Contains(a.RoomCode) && a.Started > killedAt && a.Outcome == "201").Min(a => a.Ended) - killedAt;
            await stopRevising.CancelAsync();
            var played = await Task.WhenAll(tables).WaitAsync(TimeSpan.FromSeconds(60), Ct);

            var inFlight = retries.Attempts.Where(a => a.Started <= killedAt && a.Ended >= killedAt).ToList();
            var summary = $"evicted after {evictedAfter.TotalSeconds:F1} s, victim rooms answered again after {recoveredAfter.TotalSeconds:F1} s; in flight at the kill: "
                + string.Join(", ", inFlight.Select(a => $"{a.RoomCode} {a.Outcome} after {(a.Ended - killedAt).TotalSeconds:F1} s"));
            TestContext.Current.TestOutputHelper?.WriteLine(summary);
            TestContext.Current.TestOutputHelper?.WriteLine("victim rooms after the kill: " + string.Join(", ", retries.Attempts
                .Where(a => victimRooms.Contains(a.RoomCode) && a.Started > killedAt && a.Started < killedAt + recoveredAfter)
                .Select(a => $"{a.Outcome} {(a.Started - killedAt).TotalSeconds:F1}+{(a.Ended - a.Started).TotalSeconds:F1}")));
            Assert.True(inFlight.Any(a => victimRooms.Contains(a.RoomCode)), "No call to the victim's rooms was in flight at the kill; " + summary);
            Assert.True(inFlight.All(a => a.Ended - killedAt <= InFlightBound), summary);
            Assert.True(evictedAfter <= EvictionBound, summary);
            Assert.True(recoveredAfter <= RecoveryBound, summary);
            await AssertRecordedOnceAsync(deployment.MySqlConnectionString, played);
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.Process.DisposeAsync();
            }

            RunDirectory.Delete(directory);
        }
    }

    /// <summary>A table's game: round 1 revised over and over until told to stop, then consensus and rounds 2–5 once each.</summary>
    private static async Task<PlayedGame> PlayAsync(RetriedSubmission retries, Player[] players, string code, CancellationToken stopRevising)
    {
        var revisions = new int[players.Length];
        await Task.WhenAll(players.Select(async (player, i) =>
        {
            do
            {
                await retries.ChooseAsync(player, code, 1, revisions[i] % 2, RetriedSubmission.NewId(), Ct);
                revisions[i]++;
            }
            while (!stopRevising.IsCancellationRequested);
        }));
        var consensus = new List<string>();
        for (var round = 1; round <= 5; round++)
        {
            if (round > 1)
            {
                foreach (var player in players)
                {
                    await retries.ChooseAsync(player, code, round, 1, RetriedSubmission.NewId(), Ct);
                }
            }

            consensus.Add(RetriedSubmission.NewId());
            await retries.ConsensusAsync(players[0], code, round, consensus[^1], Ct);
        }

        return new PlayedGame(code, players.Select((p, i) => (p.UserId, revisions[i])).ToArray(), consensus);
    }

    /// <summary>One row per player and round whose revision counts the acknowledged choices exactly; one consensus row per round with its id.</summary>
    private static async Task AssertRecordedOnceAsync(string mySql, PlayedGame[] games)
    {
        await using var connection = new MySqlConnection(mySql);
        foreach (var game in games)
        {
            var choices = (await connection.QueryAsync<(long UserId, int Round, int Revision)>(
                "SELECT user_id, round_number, revision FROM round_choices WHERE room_code = @code", new { code = game.Code })).ToList();
            var expected = game.Revisions.SelectMany(p => Enumerable.Range(1, 5).Select(round => (p.UserId, round, round == 1 ? p.Revisions : 1))).Order().ToList();
            Assert.Equal(expected, choices.Order().ToList());

            var consensus = (await connection.QueryAsync<(int Round, string SubmissionId)>(
                "SELECT round_number, submission_id FROM consensus_choices WHERE room_code = @code ORDER BY round_number", new { code = game.Code })).ToList();
            Assert.Equal(game.Consensus.Select((id, i) => (i + 1, id)).ToList(), consensus);
            Assert.Equal("finished", await connection.QuerySingleAsync<string>("SELECT status FROM rooms WHERE room_code = @code", new { code = game.Code }));
        }
    }

    /// <summary>Starts a silo process and adds it to <paramref name="silos"/> (under its lock), so a failed start of another is still cleaned up.</summary>
    private static async Task StartSiloAsync(ClusterDeployment deployment, string directory, int index, List<SiloUnderTest> silos)
    {
        var (environment, siloPort) = deployment.SiloProcessEnvironment();
        var process = await HostProcess.StartSiloAsync(Path.Combine(directory, $"silo-{index + 1}"), FreePort.Next(), environment, Ct);
        lock (silos)
        {
            silos.Add(new SiloUnderTest(process, siloPort));
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout, what);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Waited {timeout.TotalSeconds:0} s for {what}.");
            await Task.Delay(TimeSpan.FromMilliseconds(50), Ct);
        }
    }

    private sealed record SiloUnderTest(HostProcess Process, int SiloPort);

    private sealed record PlayedGame(string Code, (long UserId, int Revisions)[] Revisions, List<string> Consensus);
}

/// <summary>The collection of <see cref="SiloKillTests"/>: not run beside any other test.</summary>
[CollectionDefinition(nameof(SiloKillTests), DisableParallelization = true)]
public sealed class SiloKillCollection;
