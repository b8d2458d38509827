using System.Net;
using Dapper;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Infrastructure;
using MySqlConnector;

namespace Dilemma.Tests.Hosting;

/// <summary>Cluster mode for real: silos find each other through Redis and keep grain state in MariaDB.</summary>
public sealed class ClusterModeTests(LocalServices services)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_silos_and_a_gateway_form_a_cluster_through_Redis_and_calls_reach_grains_on_both()
    {
        await using var deployment = await ClusterDeployment.StartAsync(services, "twosilos_", silos: 2, Ct);
        var gateway = deployment.CreateGateway();
        var client = gateway.CreateClient();
        var grains = (IGrainFactory)gateway.Services.GetService(typeof(IGrainFactory))!;

        // A silo that has just started is known to the first one through gossip and to the client through its gateway
        // list refresh; until both have heard of it, new grains land on the first. So: new grains until one lands on
        // each silo, within a deadline.
        var places = new HashSet<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (places.Count < 2 && DateTime.UtcNow < deadline)
        {
            places.Add(await grains.GetGrain<ISiloProbeGrain>($"where-{Guid.NewGuid():N}").WhereAsync());
        }

        Assert.Equal(2, places.Count);
        var pair = await client.GuestAsync(Ct);
        await HttpAssert.OkAsync<Me>(await client.GetMeAsync(pair.AccessToken, Ct));
        var ready = await client.GetAsync("/health/ready", Ct);
        var text = await ready.Content.ReadAsStringAsync(Ct);
        Assert.True(ready.StatusCode == HttpStatusCode.OK, text);
        Assert.Contains("\"durable\":true", text, StringComparison.Ordinal);
        Assert.Contains("\"redis\"", text, StringComparison.Ordinal);
    }

    /// <summary>On a first install, or after every silo restarted, gateways start before any silo has joined: they wait for one.</summary>
    [Fact]
    public async Task A_gateway_started_before_any_silo_waits_for_one_then_serves()
    {
        await using var deployment = await ClusterDeployment.CreateAsync(services, "nosilo_", Ct);
        var gateway = deployment.CreateGateway();

        var starting = Task.Run(() => gateway.StartKestrel(), Ct);
        await Eventually.UntilAsync(
            () => Task.FromResult(starting.IsFaulted || gateway.Logs.Lines.Any(l => l.Contains("waiting for a silo", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(30),
            "the gateway to say it waits for a silo",
            Ct);
        await deployment.StartSiloAsync(Ct);
        var address = await starting.WaitAsync(TimeSpan.FromSeconds(60), Ct);

        using var client = new HttpClient { BaseAddress = address };
        var serving = await client.GetAsync("/health/serving", Ct);
        Assert.True(serving.StatusCode == HttpStatusCode.OK, await serving.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Grain_state_is_in_MariaDB_and_survives_every_silo_stopping()
    {
        await using var deployment = await ClusterDeployment.StartAsync(services, "restart_", silos: 2, Ct);
        var key = $"probe-{Guid.NewGuid():N}";
        var value = "état 상태 " + Guid.NewGuid();
        var before = deployment.CreateGateway();
        await ((IGrainFactory)before.Services.GetService(typeof(IGrainFactory))!).GetGrain<ISiloProbeGrain>(key).SaveAsync(value);

        await using (var connection = new MySqlConnection(deployment.MySqlConnectionString))
        {
            var rows = await connection.QuerySingleAsync<long>(
                "SELECT COUNT(*) FROM OrleansStorage WHERE ServiceId = @ServiceId AND GrainTypeString = 'silo-probe' AND GrainIdExtensionString = @key AND PayloadBinary IS NOT NULL",
                new { deployment.ServiceId, key });
            Assert.Equal(1, rows);
        }

        await before.DisposeAsync();
        await deployment.StopAllSilosAsync(Ct);
        Assert.Empty(deployment.Silos);
        await deployment.StartSiloAsync(Ct);

        var after = deployment.CreateGateway();
        var read = await ((IGrainFactory)after.Services.GetService(typeof(IGrainFactory))!).GetGrain<ISiloProbeGrain>(key).ReadAsync();
        Assert.Equal(value, read);
    }
}
