using System.Net;
using Dilemma.Gateway.Errors;
using Dilemma.Grains.Research;
using Dilemma.Grains.Storage;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Rooms;
using Dilemma.Tests.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MySqlConnector;

namespace Dilemma.Tests.Failover;

/// <summary>
/// Grains whose <c>OnActivateAsync</c> does more than read their state: a started room reads its rows back (<c>room_events</c>,
/// the open round), and a session whose start was cut short opens its rooms before it answers anything. Here the research tables
/// cannot be reached while grain state can (the silo's research store points at a closed port): the activation fails with
/// MySqlConnector's error, which Orleans cannot copy to the gateway, unless the activation translates it
/// (<c>StorageFailure.TranslatedAsync</c>). One deployment and gateway for the class; each test makes what it needs on a silo that
/// reaches everything, then swaps it for one that cannot reach the research tables.
/// </summary>
public sealed class ActivationFailureTests(ActivationFailureTests.Cluster cluster) : IClassFixture<ActivationFailureTests.Cluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>It reached the gateway as "no codec for MySqlException", a 500; it is the database's 503 now.</summary>
    [Fact]
    public async Task A_room_whose_activation_cannot_reach_the_research_tables_answers_503_storage_unavailable()
    {
        await cluster.WithResearchAsync(reachable: true);
        var (players, code) = await RoomKit.StartedRoomAsync(cluster.Client, Ct);

        await cluster.WithResearchAsync(reachable: false);

        await HttpAssert.ProblemAsync(await players[1].GetAsync($"/rooms/{code}", Ct), HttpStatusCode.ServiceUnavailable, ProblemExceptionHandler.StorageUnavailable);
    }

    /// <summary>
    /// The start stores its plan, then opens the rooms, which cannot record themselves: the start's outcome is unknown. The session
    /// activated again finishes that start before it answers, and cannot either: its read is the database's 503.
    /// </summary>
    [Fact]
    public async Task A_session_whose_activation_finishes_a_start_that_cannot_reach_the_research_tables_answers_503()
    {
        await cluster.WithResearchAsync(reachable: true);
        var facilitator = await SessionKit.FacilitatorAsync(cluster.Client, cluster.Grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        await SessionKit.EnrolledAsync(cluster.Client, code, 3, Ct);

        await cluster.WithResearchAsync(reachable: false);

        await HttpAssert.ProblemAsync(await facilitator.PostAsync($"/sessions/{code}/start", new { }, Ct), HttpStatusCode.ServiceUnavailable, ProblemExceptionHandler.OutcomeUnknown);
        await cluster.Grains.GetGrain<Orleans.Runtime.IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero, Ct);
        await HttpAssert.ProblemAsync(await facilitator.GetAsync($"/sessions/{code}", Ct), HttpStatusCode.ServiceUnavailable, ProblemExceptionHandler.StorageUnavailable);
    }

    /// <summary>A deployment with one silo at a time, and a gateway that outlives the silos.</summary>
    public sealed class Cluster(LocalServices services) : IAsyncLifetime
    {
        private static readonly TimeSpan SiloBound = TimeSpan.FromSeconds(60);

        private ClusterDeployment? _deployment;
        private bool? _researchReachable;

        public HttpClient Client { get; private set; } = null!;

        public IGrainFactory Grains { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            _deployment = await ClusterDeployment.CreateAsync(services, "activation_fail_", TestContext.Current.CancellationToken);
            await _deployment.StartSiloAsync(TestContext.Current.CancellationToken);
            _researchReachable = true;
            var gateway = _deployment.CreateGateway();
            Client = gateway.CreateClient();
            Grains = gateway.Services.GetRequiredService<IGrainFactory>();
        }

        /// <summary>
        /// Makes the only silo one that can (or cannot) reach the research tables, starting it anew unless it is one already, and
        /// returns once the gateway's calls reach it (until the gateway has the new silo's address they are turned away).
        /// </summary>
        public async Task WithResearchAsync(bool reachable)
        {
            if (_researchReachable == reachable)
            {
                return;
            }

            var ct = TestContext.Current.CancellationToken;
            await _deployment!.StopAllSilosAsync(ct);
            Action<WebApplicationBuilder>? configure = null;
            if (!reachable)
            {
                var refused = new MySqlConnectionStringBuilder { Server = "127.0.0.1", Port = (uint)FreePort.Next(), ConnectionTimeout = 2, Pooling = false }.ConnectionString;
                configure = builder => ((IHostApplicationBuilder)builder).ConfigureContainer(new UnreachableResearch(refused));
            }

            await _deployment.StartSiloAsync(ct, configure);
            _researchReachable = reachable;
            await Eventually.UntilAsync(ReachesASiloAsync, SiloBound, () => "the gateway to reach the new silo", ct, TimeSpan.FromMilliseconds(100));
        }

        private async Task<bool> ReachesASiloAsync()
        {
            try
            {
                await Grains.GetGrain<Orleans.Runtime.IManagementGrain>(0).GetHosts(onlyActive: true);
                return true;
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            Client?.Dispose();
            if (_deployment is not null)
            {
                await _deployment.DisposeAsync();
            }
        }
    }

    /// <summary>Replaces the research store once the silo has registered its own (after ClusterDeployment's configure runs).</summary>
    private sealed class UnreachableResearch(string refused) : IServiceProviderFactory<IServiceCollection>
    {
        public IServiceCollection CreateBuilder(IServiceCollection services) =>
            services.AddSingleton<IResearchStore>(s => new MySqlResearchStore(new MySqlDataSource(refused), s.GetRequiredService<MySqlGroupCommit>()));

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder) => new DefaultServiceProviderFactory().CreateServiceProvider(containerBuilder);
    }
}
