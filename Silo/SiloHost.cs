using Dilemma.Grains.Hosting;
using Dilemma.Hosting;
using Dilemma.Grains.Storage;
using Dilemma.Silo.Health;
using Dilemma.Silo.Kubernetes;
using Dilemma.Silo.Telemetry;

namespace Dilemma.Silo;

/// <summary>
/// Builds a cluster-mode silo: Redis membership, MySQL grain storage and research tables, an
/// HTTP port for health probes. Program.cs and the tests build silos the same way.
/// </summary>
public static class SiloHost
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        var settings = ClusterSettings.Read(builder.Configuration);
        var connections = ConnectionStringSettings.Read(builder.Configuration);
        var redis = connections.RequireRedis();
        var mySql = connections.RequireMySql();
        var failureDetection = FailureDetectionSettings.Read(builder.Configuration);
        if (RunsInKubernetes)
        {
            KubernetesIdentity.EnsureAgrees(settings, Environment.GetEnvironmentVariable);
        }

        builder.UseOrleans(silo =>
        {
            silo.UseClusterSettings(settings)
                .UseRedisClustering(redis)
                .AddDilemmaMySql(mySql, failureDetection.StorageStatementTimeout)
                .UseLoadSheddingSettings();
            failureDetection.ApplyTo(silo);
            if (RunsInKubernetes)
            {
                // Pod name, namespace and IP come from the downward API (POD_NAME, POD_NAMESPACE,
                // POD_IP), and pods that are gone are removed from membership. The ids stay ours:
                // see KubernetesIdentity.
                silo.UseKubernetesHosting();
            }
        });
        builder.Services.AddSiloHealthChecks(redis);
        builder.AddDilemmaTelemetry();

        var app = builder.Build();
        app.MapSiloHealth();
        app.MapSiloManagement();
        return app;
    }

    /// <summary>Applies the schema before the silo starts, unless <c>Database:MigrateOnStart</c> is false.</summary>
    public static async Task MigrateIfConfiguredAsync(WebApplication app, CancellationToken cancellationToken)
    {
        if (app.Configuration.GetValue("Database:MigrateOnStart", true))
        {
            await SchemaMigrator.MigrateAsync(ConnectionStringSettings.Read(app.Configuration).RequireMySql(), cancellationToken);
        }
    }

    private static bool RunsInKubernetes => Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is not null;
}
