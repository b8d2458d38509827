using Dilemma.Hosting.Settings;
using Dilemma.Grains.Hosting;
using Dilemma.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Dilemma.Gateway.Hosting;

public static class ClusterHosting
{
    /// <summary>Binds and checks <c>Cluster:Mode</c>; anything but Embedded or Cluster stops start-up.</summary>
    public static GatewayMode ReadMode(IConfiguration configuration) =>
        configuration.ReadSettings(ClusterSettings.SectionName, new GatewayModeSettingsValidator()).Value;

    /// <summary>Co-hosts a silo (embedded) or connects to silos through Redis (cluster).</summary>
    public static GatewayHostInfo AddDilemmaCluster(this WebApplicationBuilder builder, GatewayMode mode)
    {
        var settings = ClusterSettings.Read(builder.Configuration);
        var connections = ConnectionStringSettings.Read(builder.Configuration);
        if (mode == GatewayMode.Embedded)
        {
            builder.UseOrleans(silo => silo
                .UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId)
                .AddDilemmaInMemory()
                // One silo owns every directory entry and answers lookups from its own partition: a cache of
                // them (a million entries by default, each kept minutes after its grain went) only holds memory. The
                // locator of grains with a directory of their own (none here) sizes its cache up front by CacheSize.
                .Configure<GrainDirectoryOptions>(directory =>
                {
                    directory.CachingStrategy = GrainDirectoryOptions.CachingStrategyType.None;
                    directory.CacheSize = 1_000;
                }));
        }
        else
        {
            var redis = connections.RequireRedis();
            var failureDetection = FailureDetectionSettings.Read(builder.Configuration);
            builder.UseOrleansClient(client =>
            {
                client.UseRedisClustering(redis)
                    .Configure<ClusterOptions>(options =>
                    {
                        options.ServiceId = settings.ServiceId;
                        options.ClusterId = settings.ClusterId;
                    });
                failureDetection.ApplyTo(client);
                client.UseConnectionRetryFilter<ClusterConnectionRetry>();
            });
        }

        var host = new GatewayHostInfo(mode, string.IsNullOrWhiteSpace(connections.Redis) ? null : connections.Redis);
        builder.Services.AddSingleton(host);
        return host;
    }
}

/// <summary>What this gateway was started as, for health reports and start-up notices.</summary>
public sealed record GatewayHostInfo(GatewayMode Mode, string? RedisConnectionString);

/// <summary><c>Cluster:Mode</c>, the gateway's own setting in the <c>Cluster</c> section.</summary>
public sealed class GatewayModeSettings
{
    public string? Mode { get; set; }

    public GatewayMode Value => string.IsNullOrWhiteSpace(Mode) ? GatewayMode.Embedded : Enum.Parse<GatewayMode>(Mode, ignoreCase: true);
}

internal sealed class GatewayModeSettingsValidator : IValidateOptions<GatewayModeSettings>
{
    public ValidateOptionsResult Validate(string? name, GatewayModeSettings options) =>
        string.IsNullOrWhiteSpace(options.Mode) || (Enum.TryParse<GatewayMode>(options.Mode, ignoreCase: true, out var mode) && Enum.IsDefined(mode))
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(SettingsValidation.Failure("Cluster:Mode", $"must be Embedded or Cluster, not '{options.Mode}'"));
}
