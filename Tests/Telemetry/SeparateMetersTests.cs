using System.Globalization;
using Dilemma.Gateway.Telemetry;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Telemetry;

/// <summary>
/// These tests run many hosts in one process. A gateway's relay series must outlive another host stopping: with the
/// default meter factory OpenTelemetry merged both hosts' instruments into one stream and dropped it with the stopped
/// host's meter, which is how TelemetryTests' gateway lost its relay series now and then (<see cref="SeparateMeterFactory"/>).
/// </summary>
public sealed class SeparateMetersTests
{
    private const string RelayCount = "dilemma_relay_duration_seconds_count";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_gateway_keeps_exporting_its_relay_series_after_another_gateway_in_the_process_stops()
    {
        var stopping = new GatewayFactory();
        stopping.StartKestrel();
        var port = FreePort.Next();
        await using var staying = new GatewayFactory(new Dictionary<string, string?> { ["Telemetry:MetricsUrls"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}" });
        staying.StartKestrel(port);
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}") };

        Relay(stopping);
        Relay(staying);
        await stopping.DisposeAsync();

        // A scrape after the other host stopped: where a merged stream was dropped.
        await Eventually.UntilAsync(async () => await ScrapedRelaysAsync(management) <= 1, TimeSpan.FromSeconds(30), "the stopped gateway's relay to leave the scrape", Ct);
        Relay(staying);
        Relay(staying);

        await Eventually.UntilAsync(async () => await ScrapedRelaysAsync(management) == 3, TimeSpan.FromSeconds(30), "the staying gateway's three relays in its own scrape", Ct);
    }

    private static void Relay(GatewayFactory gateway) => gateway.Services.GetRequiredService<EdgeMetrics>().Relayed(DateTime.UtcNow.Ticks);

    /// <summary>The relay histogram's count, summed over its series in one scrape.</summary>
    private static async Task<long> ScrapedRelaysAsync(HttpClient management)
    {
        var text = await management.GetStringAsync("/metrics", Ct);
        return text.Split('\n')
            .Where(line => line.StartsWith(RelayCount, StringComparison.Ordinal))
            .Sum(line => long.Parse(line[(line.Contains('}', StringComparison.Ordinal) ? line.LastIndexOf('}') + 1 : RelayCount.Length)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
    }
}
