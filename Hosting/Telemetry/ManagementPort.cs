using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.Options;

namespace Dilemma.Hosting.Telemetry;

/// <summary>Marks an endpoint that only the management port serves (<c>/metrics</c>, the dashboard).</summary>
public sealed class ManagementPortOnly
{
    public static readonly ManagementPortOnly Instance = new();

    private ManagementPortOnly()
    {
    }
}

/// <summary>
/// Drops management endpoints from routing unless the request came in on a management port, so they are
/// 404 on the public port. The port the connection arrived on decides, not the Host header, which a
/// client writes.
/// </summary>
public sealed class ManagementPortMatcherPolicy(IOptions<TelemetryOptions> options) : MatcherPolicy, IEndpointSelectorPolicy
{
    private readonly IReadOnlySet<int> _ports = options.Value.ManagementPorts;

    // Before the host and method policies: nothing about a management endpoint matters on the public port.
    public override int Order => -2000;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.Any(endpoint => endpoint.Metadata.GetMetadata<ManagementPortOnly>() is not null);
    }

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(candidates);
        var onManagementPort = _ports.Contains(httpContext.Connection.LocalPort);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!onManagementPort && candidates[i].Endpoint?.Metadata.GetMetadata<ManagementPortOnly>() is not null)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}

public static class ManagementPortEndpoints
{
    /// <summary>Serves the endpoints only on the management port.</summary>
    public static TBuilder OnManagementPort<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ManagementPortOnly.Instance);
}
