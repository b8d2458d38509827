using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Dilemma.Tests.Deployment;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Rooms;

namespace Dilemma.Tests.Failover;

/// <summary>
/// The only silo of a cluster, as its own process on fixed ports (as docker-compose and a StatefulSet run it), SIGKILLed
/// and started again under a cluster-mode gateway. Until it is back the gateway's client knows no silo but the dead one
/// (nobody is left to vote it out of membership), so every grain call fails to connect before it is sent; Orleans hands
/// the caller its own <c>ConnectionFailedException</c> ("Unable to connect to …, will retry after …"), which is not a
/// rejection and was answered 500. While the silo comes back and activates the room the same happens once more (the
/// connection manager's back-off after a refused attempt). Every such answer is a 503 the client can retry.
/// </summary>
public sealed class SiloRestartTests(LocalServices services)
{
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reads_while_the_only_silo_restarts_are_503_until_it_answers_never_500()
    {
        var directory = RunDirectory.Create();
        HostProcess? silo = null;
        try
        {
            await using var deployment = await ClusterDeployment.CreateAsync(services, "silo_restart_", Ct);
            var (environment, _) = deployment.SiloProcessEnvironment();
            var healthPort = FreePort.Next();
            silo = await HostProcess.StartSiloAsync(Path.Combine(directory, "silo"), healthPort, environment, Ct);
            using var client = deployment.CreateGateway().CreateClient();
            client.Timeout = TimeSpan.FromSeconds(60);
            var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
            string[] reads = [$"/rooms/{code}", $"/scenarios/{RoomKit.Topic}", "/auth/me"];

            await silo.KillAsync(Ct);
            await silo.DisposeAsync();
            silo = null;

            // Down: the gateway's client has only the dead silo's address to try.
            foreach (var path in reads)
            {
                await AssertRetryableAsync(await players[1].GetAsync(path, Ct), path);
            }

            // Back on the same ports, with a new generation: the room activates again from MariaDB.
            var restart = HostProcess.StartSiloAsync(Path.Combine(directory, "silo-again"), healthPort, environment, Ct);
            var seen = new List<string>();
            var clock = Stopwatch.StartNew();
            try
            {
                foreach (var path in reads)
                {
                    while (true)
                    {
                        using var answer = await players[1].GetAsync(path, Ct);
                        seen.Add($"{clock.Elapsed.TotalSeconds:F1} s {path} {(int)answer.StatusCode}");
                        if (answer.StatusCode == HttpStatusCode.OK)
                        {
                            break;
                        }

                        await AssertRetryableAsync(answer, path);
                        Assert.True(clock.Elapsed < RecoveryBound, $"{path} did not answer 200 within {RecoveryBound.TotalSeconds:0} s of the restart.");
                        await Task.Delay(TimeSpan.FromMilliseconds(50), Ct);
                    }
                }
            }
            finally
            {
                silo = await restart;
                TestContext.Current.TestOutputHelper?.WriteLine(string.Join(Environment.NewLine, seen));
            }

            var room = await HttpAssert.OkAsync<JsonElement>(await players[1].GetAsync($"/rooms/{code}", Ct));
            Assert.Equal(1, room.GetProperty("current_round").GetInt32());
        }
        finally
        {
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }

            RunDirectory.Delete(directory);
        }
    }

    /// <summary>A 503 problem with a code and Retry-After: what a client retries on its own.</summary>
    private static async Task AssertRetryableAsync(HttpResponseMessage answer, string path)
    {
        var text = await answer.Content.ReadAsStringAsync(Ct);
        Assert.True(answer.StatusCode == HttpStatusCode.ServiceUnavailable, $"{path}: expected 503, got {(int)answer.StatusCode}: {text}");
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrEmpty(JsonDocument.Parse(text).RootElement.GetProperty("code").GetString()), text);
        Assert.NotNull(answer.Headers.RetryAfter);
    }
}
