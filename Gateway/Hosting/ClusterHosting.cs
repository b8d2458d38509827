using Dilemma.Grains.Hosting;
using Dilemma.Grains.Settings;
using Orleans.Configuration;

namespace Dilemma.Gateway.Hosting;

public static class ClusterHosting
{
    /// <summary>Reads <c>Cluster:Mode</c>; anything but Embedded or Cluster stops start-up.</summary>
    public static GatewayMode ReadMode(IConfiguration configuration)
    {
        var text = configuration["Cluster:Mode"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return GatewayMode.Embedded;
        }

        return Enum.TryParse<GatewayMode>(text, ignoreCase: true, out var mode) && Enum.IsDefined(mode)
            ? mode
            : throw new InvalidSettingException("Cluster:Mode", $"must be Embedded or Cluster, not '{text}'");
    }

    /// <summary>Co-hosts a silo (embedded) or connects to silos through Redis (cluster).</summary>
    public static GatewayHostInfo AddDilemmaCluster(this WebApplicationBuilder builder, GatewayMode mode)
    {
        var settings = ClusterSettings.Read(builder.Configuration);
        if (mode == GatewayMode.Embedded)
        {
            builder.UseOrleans(silo => silo
                .UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId)
                .AddDilemmaInMemory());
        }
        else
        {
            var redis = settings.RequireRedis();
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
            });
        }

        var host = new GatewayHostInfo(mode, settings.RedisConnectionString);
        builder.Services.AddSingleton(host);
        return host;
    }
}

/// <summary>What this gateway was started as, for health reports and start-up notices.</summary>
public sealed record GatewayHostInfo(GatewayMode Mode, string? RedisConnectionString);
