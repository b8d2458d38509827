using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Hosting;
using Dilemma.Hosting;
using Dilemma.Hosting.Settings;
using Dilemma.Silo;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Dilemma.Tests.Deployment;

/// <summary>What a silo resolved from a container's environment, without starting it.</summary>
internal sealed record SiloView(ClusterOptions Cluster, EndpointOptions Endpoints, HostOptions Host, IReadOnlyList<string> Routes);

/// <summary>What a gateway reads at start-up from a container's environment.</summary>
internal sealed record GatewayView(GatewayMode Mode, ClusterSettings Cluster, ConnectionStringSettings Connections, JwtSettings Jwt);

/// <summary>
/// The hosts as a container starts them: their own appsettings.json (published into the image) plus the
/// container's environment, and nothing from the machine the tests run on.
/// </summary>
internal static class AppHosts
{
    /// <summary>Builds the silo exactly as its Program does (SiloHost.Build), reads its options and routes, and throws what start-up would.</summary>
    public static async Task<SiloView> SiloAsync(IReadOnlyDictionary<string, string> environment)
    {
        await using var app = SiloHost.Build([], builder =>
        {
            builder.Configuration.Sources.Clear();
            builder.Configuration.AddJsonFile(Repository.PathOf("Silo", "appsettings.json"), optional: false);
            builder.Configuration.AddInMemoryCollection(Repository.AsConfiguration(environment));
        });
        return new SiloView(
            app.Services.GetRequiredService<IOptions<ClusterOptions>>().Value,
            app.Services.GetRequiredService<IOptions<EndpointOptions>>().Value,
            app.Services.GetRequiredService<IOptions<HostOptions>>().Value,
            // Not started, so the routes are still the app's own, not yet in the routing services.
            RoutePaths(((IEndpointRouteBuilder)app).DataSources));
    }

    /// <summary>The settings the gateway's Program reads before anything starts; throws what start-up would.</summary>
    public static GatewayView Gateway(IReadOnlyDictionary<string, string> environment)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Repository.PathOf("Gateway", "appsettings.json"), optional: false)
            .AddInMemoryCollection(Repository.AsConfiguration(environment))
            .Build();
        var mode = ClusterHosting.ReadMode(configuration);
        var cluster = ClusterSettings.Read(configuration);
        var connections = ConnectionStringSettings.Read(configuration);
        if (mode == GatewayMode.Cluster)
        {
            connections.RequireRedis();
        }

        var jwt = configuration.ReadSettings(JwtSettings.SectionName, new JwtSettingsValidator(keyRequired: mode == GatewayMode.Cluster));
        return new GatewayView(mode, cluster, connections, jwt);
    }

    /// <summary>Every route pattern an app maps, as a path (<c>/health/ready</c>).</summary>
    public static IReadOnlyList<string> Routes(IServiceProvider services) =>
        RoutePaths([services.GetRequiredService<EndpointDataSource>()]);

    private static List<string> RoutePaths(IEnumerable<EndpointDataSource> sources) =>
        sources.SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Select(endpoint => "/" + (endpoint.RoutePattern.RawText ?? "").Trim('/'))
            .Distinct(StringComparer.Ordinal)
            .ToList();
}
