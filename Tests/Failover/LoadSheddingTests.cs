using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Dilemma.Gateway.Errors;
using Dilemma.Tests.Deployment;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Rooms;

namespace Dilemma.Tests.Failover;

/// <summary>
/// A silo with <c>LoadShedding:LoadSheddingEnabled</c>, as its own process, whose memory is always over its threshold: 1 % of a
/// 1 GiB heap limit (<c>DOTNET_GCHeapHardLimit</c>), which a started host's committed heap always exceeds. Its gateway port
/// turns away every message before routing it (<c>GatewayInboundConnection</c>: <c>RejectionTypes.GatewayTooBusy</c>, "Shedding
/// load"), and the gateway's Orleans client throws <c>GatewayTooBusyException</c> for it, which was answered 500.
/// <para>
/// A gateway cannot start against a cluster whose only silo sheds: the cluster manifest it fetches at start-up is turned away
/// too, and it retries until it gets one. So the gateway starts with an ordinary silo, which then leaves (as in a rolling update),
/// leaving the shedding one as the only silo its client can send to.
/// </para>
/// </summary>
public sealed class LoadSheddingTests(LocalServices services)
{
    private static readonly TimeSpan SheddingBound = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Requests_a_silo_sheds_are_503_cluster_unavailable_with_Retry_After_never_500()
    {
        var directory = RunDirectory.Create();
        HostProcess? shedding = null;
        try
        {
            await using var deployment = await ClusterDeployment.StartAsync(services, "shedding_", silos: 1, Ct);
            using var client = deployment.CreateGateway().CreateClient();
            var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
            string[] reads = [$"/rooms/{code}", $"/scenarios/{RoomKit.Topic}", "/auth/me"];

            var (environment, _) = deployment.SiloProcessEnvironment(new Dictionary<string, string>
            {
                ["LoadShedding__LoadSheddingEnabled"] = "true",
                ["LoadShedding__MemoryThreshold"] = "1",
                ["DOTNET_GCHeapHardLimit"] = "0x40000000",
            });
            shedding = await HostProcess.StartSiloAsync(Path.Combine(directory, "silo"), FreePort.Next(), environment, Ct);
            await deployment.StopAllSilosAsync(Ct);

            // Until the gateway's client drops the stopped silo and has the shedding one's address, its calls are turned away
            // (or fail to connect) on the client's side: a 503 with a code too. Then every call reaches the shedding silo.
            var seen = new List<string>();
            var clock = Stopwatch.StartNew();
            try
            {
                foreach (var path in reads)
                {
                    while (true)
                    {
                        using var answer = await players[1].GetAsync(path, Ct);
                        var text = await answer.Content.ReadAsStringAsync(Ct);
                        seen.Add($"{clock.Elapsed.TotalSeconds:F1} s {path} {(int)answer.StatusCode} {text}");
                        Assert.True(answer.StatusCode == HttpStatusCode.ServiceUnavailable, $"{path}: expected 503, got {(int)answer.StatusCode}: {text}");
                        Assert.NotNull(answer.Headers.RetryAfter);
                        var problem = JsonDocument.Parse(text).RootElement;
                        if (problem.GetProperty("detail").GetString() == ProblemExceptionHandler.ClusterBusyDetail)
                        {
                            Assert.Equal(ProblemExceptionHandler.ClusterUnavailable, problem.GetProperty("code").GetString());
                            Assert.Equal(TimeSpan.FromSeconds(1), answer.Headers.RetryAfter.Delta);
                            break;
                        }

                        Assert.False(string.IsNullOrEmpty(problem.GetProperty("code").GetString()), text);

                        Assert.True(clock.Elapsed < SheddingBound, $"{path} was not turned away by the shedding silo within {SheddingBound.TotalSeconds:0} s.");
                        await Task.Delay(TimeSpan.FromMilliseconds(100), Ct);
                    }
                }
            }
            finally
            {
                TestContext.Current.TestOutputHelper?.WriteLine(string.Join(Environment.NewLine, seen));
            }

            // A write is turned away the same way, before it runs: not "outcome unknown", since nothing of it ran.
            var choice = await AssertRetryableAsync(await RoomKit.ChooseAsync(players[0], code, 1, 1, 3, Ct), "round-choice");
            Assert.Equal(ProblemExceptionHandler.ClusterUnavailable, choice.GetProperty("code").GetString());
            Assert.Equal(ProblemExceptionHandler.ClusterBusyDetail, choice.GetProperty("detail").GetString());
            var guest = await AssertRetryableAsync(await client.PostJsonAsync("/auth/guest", new { nickname = "shed" }, Ct), "/auth/guest");
            Assert.Equal(ProblemExceptionHandler.ClusterBusyDetail, guest.GetProperty("detail").GetString());
        }
        finally
        {
            if (shedding is not null)
            {
                await shedding.DisposeAsync();
            }

            RunDirectory.Delete(directory);
        }
    }

    /// <summary>A 503 <c>cluster_unavailable</c> problem with Retry-After: the request never ran, and a plain retry is safe.</summary>
    private static async Task<JsonElement> AssertRetryableAsync(HttpResponseMessage answer, string path)
    {
        var body = await HttpAssert.ProblemAsync(answer, HttpStatusCode.ServiceUnavailable, ProblemExceptionHandler.ClusterUnavailable);
        Assert.True(answer.Headers.RetryAfter?.Delta == TimeSpan.FromSeconds(1), $"{path}: expected Retry-After: 1, got {answer.Headers.RetryAfter}.");
        return body;
    }
}
