using System.Text.Json;
using Dilemma.Grains.Diagnostics;
using Dilemma.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

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
}
