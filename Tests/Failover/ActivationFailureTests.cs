using System.Net;
using Dilemma.Gateway.Errors;
using Dilemma.Grains.Research;
using Dilemma.Grains.Storage;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MySqlConnector;

namespace Dilemma.Tests.Failover;

/// <summary>
/// A started room activates on a silo that has just come up and reads its rows back (<c>room_events</c>, the open round)
/// before it answers anything. Here the research tables cannot be reached while grain state can (the silo's research store
/// points at a closed port): the activation fails with MySqlConnector's error, which Orleans cannot copy to the gateway.
/// </summary>
public sealed class ActivationFailureTests(LocalServices services)
{
    private static readonly TimeSpan SiloBound = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>It reached the gateway as "no codec for MySqlException", a 500; it is the database's 503 now.</summary>
    [Fact]
    public async Task A_room_whose_activation_cannot_reach_the_research_tables_answers_503_storage_unavailable()
    {
        await using var deployment = await ClusterDeployment.StartAsync(services, "activation_fail_", silos: 1, Ct);
        using var client = deployment.CreateGateway().CreateClient();
        var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
        await deployment.StopAllSilosAsync(Ct);

        var refused = new MySqlConnectionStringBuilder { Server = "127.0.0.1", Port = (uint)FreePort.Next(), ConnectionTimeout = 2, Pooling = false }.ConnectionString;
        await deployment.StartSiloAsync(Ct, builder => ((IHostApplicationBuilder)builder).ConfigureContainer(new UnreachableResearch(refused)));

        // Until the gateway has the new silo's address its calls are turned away before they run.
        var deadline = DateTime.UtcNow + SiloBound;
        HttpResponseMessage answer;
        while ((answer = await players[1].GetAsync($"/rooms/{code}", Ct)).StatusCode == HttpStatusCode.ServiceUnavailable
            && (await answer.Content.ReadAsStringAsync(Ct)).Contains("cluster_unavailable", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"The restarted silo did not take calls within {SiloBound.TotalSeconds:0} s.");
            await Task.Delay(TimeSpan.FromMilliseconds(100), Ct);
        }

        await HttpAssert.ProblemAsync(answer, HttpStatusCode.ServiceUnavailable, ProblemExceptionHandler.StorageUnavailable);
    }

    /// <summary>Replaces the research store once the silo has registered its own (after ClusterDeployment's configure runs).</summary>
    private sealed class UnreachableResearch(string refused) : IServiceProviderFactory<IServiceCollection>
    {
        public IServiceCollection CreateBuilder(IServiceCollection services) =>
            services.AddSingleton<IResearchStore>(s => new MySqlResearchStore(new MySqlDataSource(refused), s.GetRequiredService<MySqlGroupCommit>()));

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder) => new DefaultServiceProviderFactory().CreateServiceProvider(containerBuilder);
    }
}
