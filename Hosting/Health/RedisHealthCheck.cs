using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Dilemma.Hosting;

/// <summary>
/// Pings Redis on one connection kept between probes. A connection that could not be made is not kept: the next
/// probe tries again, so a Redis that was down at a host's first probe does not leave it reporting Redis forever.
/// </summary>
public sealed class RedisHealthCheck(string connectionString) : IHealthCheck, IDisposable
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _connection;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await ConnectAsync(cancellationToken).WaitAsync(ProbeTimeout, cancellationToken);
            var latency = await connection.GetDatabase().PingAsync().WaitAsync(ProbeTimeout, cancellationToken);
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:F1} ms.");
        }
        catch (Exception e) when (e is RedisException or TimeoutException or OperationCanceledException)
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
