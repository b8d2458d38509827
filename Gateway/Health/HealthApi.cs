using System.Text.Json;
using Dilemma.Gateway.Hosting;
using Dilemma.Grains.Interfaces.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Dilemma.Gateway.Health;

/// <summary>
/// <c>/health</c> says the process is alive and touches nothing; <c>/health/ready</c> asks the
/// cluster (which in turn asks its database) and Redis, and answers 503 naming what failed.
/// Mapped in every environment, because orchestrators probe production.
/// </summary>
public static class HealthApi
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public static IServiceCollection AddDilemmaHealthChecks(this IServiceCollection services, GatewayHostInfo host)
    {
        var checks = services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster", tags: ["ready"]);
        if (host.RedisConnectionString is { } redis)
        {
            checks.AddCheck("redis", new RedisPing(redis), tags: ["ready"]);
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

    public sealed record CheckResponse(string Name, bool Healthy, string? Description);

    private sealed class ClusterHealthCheck(IGrainFactory grains) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ProbeTimeout);
            try
            {
                var storage = await grains.GetGrain<IDiagnosticsGrain>(0).CheckStorageAsync(timeout.Token);
                var data = new Dictionary<string, object> { ["durable"] = storage.Durable };
                var description = $"Cluster answered. {storage.Description}";
                return storage.Healthy ? HealthCheckResult.Healthy(description, data) : HealthCheckResult.Unhealthy(description, data: data);
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException or OrleansException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy($"The Orleans cluster did not answer: {e.GetType().Name}.");
            }
        }
    }

    private sealed class RedisPing(string connectionString) : IHealthCheck
    {
        private readonly Lazy<Task<StackExchange.Redis.ConnectionMultiplexer>> _connection =
            new(() => StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(connectionString));

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connection = await _connection.Value.WaitAsync(ProbeTimeout, cancellationToken);
                var latency = await connection.GetDatabase().PingAsync().WaitAsync(ProbeTimeout, cancellationToken);
                return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:F1} ms.");
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException or OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy($"Redis did not answer: {e.Message}");
            }
        }
    }
}
