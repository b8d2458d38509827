using Dilemma.Silo;
using Dilemma.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dilemma.Tests.Hosting;

/// <summary>
/// Cluster mode on loopback: silos built by the Silo project's own <see cref="SiloHost"/> against
/// the shared MariaDB and Redis, and gateways in cluster mode. Each deployment has its own
/// database and its own service and cluster ids, so deployments share the servers but never
/// see each other.
/// </summary>
public sealed class ClusterDeployment : IAsyncDisposable
{
    private readonly List<WebApplication> _silos = [];
    private readonly List<GatewayFactory> _gateways = [];

    private ClusterDeployment(string mySql, string redis, string serviceId)
    {
        MySqlConnectionString = mySql;
        RedisConnectionString = redis;
        ServiceId = serviceId;
    }

    public string MySqlConnectionString { get; }

    public string RedisConnectionString { get; }

    public string ServiceId { get; }

    public IReadOnlyList<WebApplication> Silos => _silos;

    public static async Task<ClusterDeployment> CreateAsync(LocalServices services, string databasePrefix, CancellationToken cancellationToken) =>
        await CreateAsync(await services.GetServerConnectionStringAsync(cancellationToken), await services.GetRedisConnectionStringAsync(cancellationToken), databasePrefix, cancellationToken);

    /// <summary>
    /// A deployment on servers of its own (<paramref name="mySqlServer"/> as root, no database selected);
    /// <paramref name="migrate"/> applies the schema first, so that all silos may start at once.
    /// </summary>
    public static async Task<ClusterDeployment> CreateAsync(string mySqlServer, string redis, string databasePrefix, CancellationToken cancellationToken, bool migrate = false)
    {
        // Otherwise the first silo migrates on start; an empty database proves that path too.
        var mySql = await LocalServices.CreateDatabaseOnAsync(mySqlServer, databasePrefix, migrate, cancellationToken);
        return new ClusterDeployment(mySql, redis, "svc-" + Guid.NewGuid().ToString("N")[..12]);
    }

    public static async Task<ClusterDeployment> StartAsync(LocalServices services, string databasePrefix, int silos, CancellationToken cancellationToken)
    {
        var deployment = await CreateAsync(services, databasePrefix, cancellationToken);
        for (var i = 0; i < silos; i++)
        {
            await deployment.StartSiloAsync(cancellationToken);
        }

        return deployment;
    }

    /// <summary>Starts one more silo; <paramref name="configure"/> may change its services (a test's shortened timeouts).</summary>
    public async Task<WebApplication> StartSiloAsync(CancellationToken cancellationToken, Action<WebApplicationBuilder>? configure = null)
    {
        var silo = SiloHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:MySql"] = MySqlConnectionString,
                ["ConnectionStrings:Redis"] = RedisConnectionString,
                ["Cluster:ServiceId"] = ServiceId,
                ["Cluster:ClusterId"] = ServiceId,
                ["Cluster:SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Cluster:GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Cluster:AdvertisedIp"] = "127.0.0.1",

                // Tests compare exported user ids with the accounts they played (PseudonymTests turn pseudonyms on).
                ["Research:Pseudonymise"] = "false",
            });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            SeparateMeterFactory.Use(builder.Services);
            configure?.Invoke(builder);
        });
        await SiloHost.MigrateIfConfiguredAsync(silo, cancellationToken);
        await silo.StartAsync(cancellationToken);
        _silos.Add(silo);
        return silo;
    }

    /// <summary>
    /// The environment of a silo of this deployment run as its own process (HostProcess), with fresh
    /// silo and gateway ports; the silo port is returned too, as Orleans' silo addresses name it.
    /// </summary>
    public (Dictionary<string, string> Environment, int SiloPort) SiloProcessEnvironment(IReadOnlyDictionary<string, string>? extra = null)
    {
        var siloPort = FreePort.Next();
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__MySql"] = MySqlConnectionString,
            ["ConnectionStrings__Redis"] = RedisConnectionString,
            ["Cluster__ServiceId"] = ServiceId,
            ["Cluster__ClusterId"] = ServiceId,
            ["Cluster__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster__GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster__AdvertisedIp"] = "127.0.0.1",
            ["Research__Pseudonymise"] = "false",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return (environment, siloPort);
    }

    /// <summary>Stops a silo the way Kubernetes would: gracefully, handing its grains over.</summary>
    public async Task StopSiloAsync(WebApplication silo, CancellationToken cancellationToken)
    {
        _silos.Remove(silo);
        await silo.StopAsync(cancellationToken);
        await silo.DisposeAsync();
    }

    public async Task StopAllSilosAsync(CancellationToken cancellationToken)
    {
        foreach (var silo in _silos.ToArray())
        {
            await StopSiloAsync(silo, cancellationToken);
        }
    }

    /// <summary>A gateway in cluster mode that finds the silos through Redis.</summary>
    public GatewayFactory CreateGateway(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Cluster:Mode"] = "Cluster",
            ["ConnectionStrings:Redis"] = RedisConnectionString,
            ["Cluster:ServiceId"] = ServiceId,
            ["Cluster:ClusterId"] = ServiceId,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var gateway = new GatewayFactory(all, services);
        _gateways.Add(gateway);
        return gateway;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in _gateways)
        {
            await gateway.DisposeAsync();
        }

        foreach (var silo in _silos.ToArray())
        {
            await silo.StopAsync(CancellationToken.None);
            await silo.DisposeAsync();
        }
    }
}
