using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace Dilemma.Hosting;

public static class OrleansEndpoints
{
    /// <summary>Service and cluster ids, and the ports (and address, when configured) a silo listens on.</summary>
    public static ISiloBuilder UseClusterSettings(this ISiloBuilder silo, ClusterSettings settings)
    {
        silo.Configure<ClusterOptions>(options =>
        {
            options.ServiceId = settings.ServiceId;
            options.ClusterId = settings.ClusterId;
        });
        silo.Configure<EndpointOptions>(options =>
        {
            options.SiloPort = settings.SiloPort;
            options.GatewayPort = settings.GatewayPort;
            if (settings.AdvertisedAddress is { } address)
            {
                options.AdvertisedIPAddress = address;
            }
        });
        return silo;
    }
}
