using Dilemma.Tests.Infrastructure;

namespace Dilemma.Tests.Hosting;

/// <summary>
/// Two silos on MariaDB and Redis with two cluster-mode gateways on real Kestrel, for WebSocket
/// clients on different gateways; shared by a test class.
/// </summary>
public sealed class ClusterKestrelFixture(LocalServices services) : IAsyncLifetime
{
    public ClusterDeployment Deployment { get; private set; } = null!;

    public Uri First { get; private set; } = null!;

    public Uri Second { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public IServiceProvider Services { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Deployment = await ClusterDeployment.StartAsync(services, "realtime_", silos: 2, TestContext.Current.CancellationToken);
        var first = Deployment.CreateGateway();
        First = first.StartKestrel();
        Second = Deployment.CreateGateway().StartKestrel();
        Services = first.Services;
        Client = new HttpClient { BaseAddress = First };
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (Deployment is not null)
        {
            await Deployment.DisposeAsync();
        }
    }
}
