using System.Text.Json;
using Dilemma.Gateway.Hosting;
using Dilemma.Grains.Interfaces.Diagnostics;
using Dilemma.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Dilemma.Gateway.Health;

/// <summary>
/// <c>/health</c> says the process is alive and touches nothing; <c>/health/ready</c> asks the
/// cluster (which in turn asks its database) and Redis, and answers 503 naming what failed;
/// <c>/health/serving</c> asks only whether a silo answers, which is what decides whether requests should come
/// to this gateway: MySQL and Redis are shared by every gateway, so their outage is no reason to prefer another.
/// Mapped in every environment, because orchestrators probe production.
/// </summary>
public static class HealthApi
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public static IServiceCollection AddDilemmaHealthChecks(this IServiceCollection services, GatewayHostInfo host)
    {
        var checks = services.AddHealthChecks()
            .AddCheck<ClusterHealthCheck>("cluster", tags: ["ready"])
            .AddCheck<SiloReachableCheck>("silo", tags: ["serving"]);
        if (host.RedisConnectionString is { } redis)
        {
            checks.AddCheck("redis", new RedisHealthCheck(redis), tags: ["ready"]);
        }

        return services;
    }

    public static void MapHealthApi(this IEndpointRouteBuilder endpoints)
    {
        var health = endpoints.MapGroup("/health").WithTags("Health");
        health.MapGet("/", (TimeProvider time) => TypedResults.Ok(new LivenessResponse("healthy", time.GetUtcNow(), "dilemma-gateway")))
            .WithSummary("Liveness: the process answers; no dependency is touched");
        health.MapHealthChecks("/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = WriteReadinessAsync,
        });
        health.MapHealthChecks("/serving", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("serving"),
            ResponseWriter = WriteServingAsync,
        });
    }

    private static Task WriteServingAsync(HttpContext context, HealthReport report)
    {
        var host = context.RequestServices.GetRequiredService<GatewayHostInfo>();
        var body = new ServingResponse(
            report.Status == HealthStatus.Healthy ? "serving" : "not_serving",
            host.Mode.ToString().ToLowerInvariant(),
            report.Entries.Select(e => new CheckResponse(e.Key, e.Value.Status == HealthStatus.Healthy, e.Value.Description)).ToArray());
        return context.Response.WriteAsJsonAsync(body, SnakeCase);
    }

    private static Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        var host = context.RequestServices.GetRequiredService<GatewayHostInfo>();
        var durable = report.Entries.TryGetValue("cluster", out var cluster) && cluster.Data.TryGetValue("durable", out var value) && value is true;
        var body = new ReadinessResponse(
            report.Status == HealthStatus.Healthy ? "ready" : "not_ready",
            host.Mode.ToString().ToLowerInvariant(),
            durable,
            report.Entries.Select(e => new CheckResponse(e.Key, e.Value.Status == HealthStatus.Healthy, e.Value.Description)).ToArray());
        return context.Response.WriteAsJsonAsync(body, SnakeCase);
    }

    private static readonly JsonSerializerOptions SnakeCase = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public sealed record LivenessResponse(string Status, DateTimeOffset Timestamp, string Service);

    public sealed record ReadinessResponse(string Status, string Mode, bool Durable, IReadOnlyList<CheckResponse> Checks);

    public sealed record ServingResponse(string Status, string Mode, IReadOnlyList<CheckResponse> Checks);

    public sealed record CheckResponse(string Name, bool Healthy, string? Description);

    // A cluster that cannot be reached throws one of these (no gateway connected, the call timed out); each answers Unhealthy.
    private static async Task<HealthCheckResult> AskClusterAsync(Func<CancellationToken, Task<HealthCheckResult>> ask, string unreachable, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            return await ask(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or OrleansException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy($"{unreachable}: {e.GetType().Name}.");
        }
    }

    private sealed class ClusterHealthCheck(IGrainFactory grains) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            AskClusterAsync(
                async token =>
                {
                    var storage = await grains.GetGrain<IDiagnosticsGrain>(0).CheckStorageAsync(token);
                    var data = new Dictionary<string, object> { ["durable"] = storage.Durable };
                    var description = $"Cluster answered. {storage.Description}";
                    return storage.Healthy ? HealthCheckResult.Healthy(description, data) : HealthCheckResult.Unhealthy(description, data: data);
                },
                "The Orleans cluster did not answer",
                cancellationToken);
    }

    private sealed class SiloReachableCheck(IGrainFactory grains) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            AskClusterAsync(
                async token =>
                {
                    await grains.GetGrain<IDiagnosticsGrain>(0).PingAsync(token);
                    return HealthCheckResult.Healthy("A silo answered.");
                },
                "No silo answered",
                cancellationToken);
    }
}
