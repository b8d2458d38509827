using Dilemma.Tests.Infrastructure;

namespace Dilemma.Tests.Hosting;

/// <summary>One silo on MariaDB and Redis with one cluster-mode gateway in front, shared by a test class.</summary>
public sealed class ClusterGatewayFixture(LocalServices services) : IAsyncLifetime
{
    public ClusterDeployment Deployment { get; private set; } = null!;

    public GatewayFactory Factory { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public IGrainFactory Grains => (IGrainFactory)Factory.Services.GetService(typeof(IGrainFactory))!;

    public async ValueTask InitializeAsync()
    {
        Deployment = await ClusterDeployment.StartAsync(services, "cluster_", silos: 1, TestContext.Current.CancellationToken);
        Factory = Deployment.CreateGateway();
        Client = Factory.CreateClient();
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
