using System.Text.Json;
using Dilemma.Grains.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Dilemma.Silo.Health;

/// <summary>Probes for orchestrators: liveness touches nothing, readiness asks MySQL and Redis.</summary>
public static class SiloHealth
{
    public static IServiceCollection AddSiloHealthChecks(this IServiceCollection services, string redisConnectionString)
    {
        services.AddHealthChecks()
            .AddCheck<StorageHealthCheck>("mysql", tags: ["ready"])
            .AddCheck("redis", new RedisHealthCheck(redisConnectionString), tags: ["ready"]);
        return services;
    }

    public static void MapSiloHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health", () => Results.Json(new { status = "healthy", timestamp = DateTimeOffset.UtcNow, service = "dilemma-silo" }));
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = WriteReportAsync,
        });
    }

    private static Task WriteReportAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(
            new
            {
                status = report.Status == HealthStatus.Healthy ? "ready" : "not_ready",
                checks = report.Entries.Select(e => new { name = e.Key, healthy = e.Value.Status == HealthStatus.Healthy, description = e.Value.Description }),
            },
            JsonSerializerOptions.Web);

    private sealed class StorageHealthCheck(IStorageProbe probe) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var report = await probe.CheckAsync(cancellationToken);
            return report.Healthy ? HealthCheckResult.Healthy(report.Description) : HealthCheckResult.Unhealthy(report.Description);
        }
    }

    private sealed class RedisHealthCheck(string connectionString) : IHealthCheck, IDisposable
    {
        private readonly SemaphoreSlim _connecting = new(1, 1);
        private ConnectionMultiplexer? _connection;

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connection = await ConnectAsync(cancellationToken);
                var latency = await connection.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:F1} ms.");
            }
            catch (RedisException e)
            {
                return HealthCheckResult.Unhealthy($"Redis did not answer: {e.Message}");
            }
        }

        public void Dispose()
        {
            _connection?.Dispose();
            _connecting.Dispose();
        }

        private async Task<ConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
        {
            await _connecting.WaitAsync(cancellationToken);
            try
            {
                return _connection ??= await ConnectionMultiplexer.ConnectAsync(connectionString);
            }
            finally
            {
                _connecting.Release();
            }
        }
    }
}
