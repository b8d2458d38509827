using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Dilemma.Tests.Client;

/// <summary>Two silos on MariaDB and Redis and two cluster-mode gateways on Kestrel, with chromium in front.</summary>
public sealed class ClusterBrowserFixture(LocalServices services) : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public ClusterDeployment Deployment { get; private set; } = null!;

    /// <summary>The two gateways; players are spread over both, as a load balancer would.</summary>
    public Uri[] Gateways { get; private set; } = [];

    public IBrowser Browser { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Deployment = await ClusterDeployment.StartAsync(services, "client_", silos: 2, TestContext.Current.CancellationToken);
        Gateways = [Deployment.CreateGateway(BrowserFixture.LoopbackIce).StartKestrel(), Deployment.CreateGateway(BrowserFixture.LoopbackIce).StartKestrel()];
        _playwright = await Playwright.CreateAsync();
        Browser = await BrowserFixture.LaunchAsync(_playwright, BrowserFixture.ChromiumPath);
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (Deployment is not null)
        {
            await Deployment.DisposeAsync();
        }
    }
}

/// <summary>The whole game through the UI in cluster mode: the room's grain lives on one of two silos, the players on two gateways.</summary>
public sealed class ClusterClientGameTests(ClusterBrowserFixture cluster) : IClassFixture<ClusterBrowserFixture>
{
    [Fact]
    public async Task Three_browsers_on_two_gateways_play_a_whole_game_through_the_page_in_cluster_mode()
    {
        var opened = 0;
        var (pages, code) = await ClientFlows.SeatThreePlayersAsync(
            () => BrowserFixture.NewPageAsync(cluster.Browser, cluster.Gateways[opened++ % cluster.Gateways.Length]), "Cluster");
        Assert.NotEqual(pages[0].Url, pages[1].Url);

        await ClientFlows.PlayWholeGameAsync(pages, code, scan: false);

        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }
}
