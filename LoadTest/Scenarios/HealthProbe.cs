using Dilemma.LoadTest.Http;
using Dilemma.LoadTest.Measurement;

namespace Dilemma.LoadTest.Scenarios;

/// <summary>
/// <c>GET /health</c> at a fixed rate, one at a time, on a connection of its own: behind the
/// flood's connections it would time this client's connection pool, not the server.
/// </summary>
internal static class HealthProbe
{
    public static async Task<ProbeSeries> RunAsync(GatewayClient prober, TimeSpan interval, long deadline, CancellationToken cancellationToken)
    {
        var raw = new LatencyHistogram();
        var corrected = new LatencyHistogram();
        var errors = new Dictionary<string, long>(StringComparer.Ordinal);
        var started = Clock.Now;
        long sent = 0;
        using var timer = new PeriodicTimer(interval);
        while (Clock.Before(deadline))
        {
            var outcome = await prober.HealthAsync(cancellationToken);
            sent++;
            if (outcome.Succeeded)
            {
                raw.Record(outcome.Elapsed);
                corrected.Record(outcome.Elapsed, interval);
            }
            else
            {
                errors[outcome.Describe()] = errors.GetValueOrDefault(outcome.Describe()) + 1;
            }

            // A probe slower than the interval makes the timer skip ticks: fewer probes than
            // scheduled is itself a sign of a stall, and the corrected percentiles account for it.
            if (!await timer.WaitForNextTickAsync(cancellationToken))
            {
                break;
            }
        }

        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        return new ProbeSeries(
            interval.TotalMilliseconds,
            sent,
            (long)Math.Floor(elapsed / interval),
            raw.Summarize(),
            corrected.Summarize(),
            errors);
    }
}

/// <summary>
/// Probe latencies as measured (<see cref="Latency"/>) and with the coordinated-omission
/// correction (<see cref="CorrectedLatency"/>), which also counts the probes a stall kept from being sent.
/// </summary>
public sealed record ProbeSeries(
    double IntervalMs,
    long Sent,
    long Scheduled,
    LatencySummary Latency,
    LatencySummary CorrectedLatency,
    IReadOnlyDictionary<string, long> ErrorsByKind);
