using Dilemma.Tests.Infrastructure;
using Orleans.TestingHost;

namespace Dilemma.Tests.Storage;

/// <summary>
/// One single-silo Orleans test cluster on a freshly migrated database, shared by a test class (each start costs
/// seconds). The ServiceId is fixed for the fixture's life: stored rows belong to a ServiceId, so a restarted
/// cluster only sees earlier state when it keeps the same one.
/// </summary>
public sealed class ProbeClusterFixture(LocalServices services) : IAsyncLifetime
{
    // The invariant Orleans maps to MySqlConnector's factory; the bare word "MySqlConnector" fails at start-up.
    private const string MySqlConnectorInvariant = "MySql.Data.MySqlConnector";

    private InProcessTestCluster? _cluster;

    public string ServiceId { get; } = $"storage-tests-{Guid.NewGuid():N}";

    public string ConnectionString { get; private set; } = string.Empty;

    public IGrainFactory Grains => (_cluster ?? throw new InvalidOperationException("The cluster is not running.")).Client;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        ConnectionString = await services.CreateDatabaseAsync("grainstore_", migrate: true, ct);
        _cluster = await StartClusterAsync(ct);
    }

    /// <summary>Stops every silo and the client, then starts a new cluster with the same ServiceId and database.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        if (_cluster is not null)
        {
            await StopAsync(_cluster, cancellationToken);
            _cluster = null;
        }

        _cluster = await StartClusterAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await StopAsync(_cluster, CancellationToken.None);
            _cluster = null;
        }
    }

    private async Task<InProcessTestCluster> StartClusterAsync(CancellationToken cancellationToken)
    {
        var connectionString = ConnectionString;
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = ServiceId;
        builder.ConfigureSilo((_, silo) => silo
            .AddAdoNetGrainStorage(ProbeStores.Keeping, options =>
            {
                options.Invariant = MySqlConnectorInvariant;
                options.ConnectionString = connectionString;
            })
            .AddAdoNetGrainStorage(ProbeStores.Deleting, options =>
            {
                options.Invariant = MySqlConnectorInvariant;
                options.ConnectionString = connectionString;
                options.DeleteStateOnClear = true;
            }));

        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync(cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private static async Task StopAsync(InProcessTestCluster cluster, CancellationToken cancellationToken)
    {
        await cluster.StopAllSilosAsync(cancellationToken);
        await cluster.DisposeAsync();
    }
}
