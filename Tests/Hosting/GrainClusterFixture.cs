using Dilemma.Grains.Hosting;
using Orleans.TestingHost;

namespace Dilemma.Tests.Hosting;

/// <summary>
/// An in-process Orleans test cluster of two silos with the same grain registrations as
/// embedded mode, for tests that talk to grains directly. Share it per test class; use unique keys.
/// </summary>
public sealed class GrainClusterFixture : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    public IGrainFactory Grains => _cluster?.Client ?? throw new InvalidOperationException("The cluster has not started.");

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddDilemmaInMemory();
            SeparateMeterFactory.Use(silo.Services);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
