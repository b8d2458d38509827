using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Dilemma.Tests.Telemetry;

/// <summary>
/// One silo and one cluster-mode gateway, each with a management port (<c>Telemetry:MetricsUrls</c>) and traces
/// on, their finished spans kept in memory; and Debian's prometheus scraping both management ports every second.
/// </summary>
public sealed class TelemetryClusterFixture(LocalServices services) : IAsyncLifetime
{
    private PrometheusServer? _prometheus;

    public ClusterDeployment Deployment { get; private set; } = null!;

    public GatewayFactory Gateway { get; private set; } = null!;

    /// <summary>The gateway's public address.</summary>
    public HttpClient Client { get; private set; } = null!;

    public int GatewayManagementPort { get; } = FreePort.Next();

    public int SiloManagementPort { get; } = FreePort.Next();

    /// <summary>Spans the gateway's pipeline exported.</summary>
    public ConcurrentQueue<Activity> GatewaySpans { get; } = new();

    /// <summary>Spans the silo's pipeline exported.</summary>
    public ConcurrentQueue<Activity> SiloSpans { get; } = new();

    /// <summary>
    /// Label matchers for this silo's and this gateway's own Dilemma series: a scrape also shows the series of other test
    /// hosts in the process, which vanish as those stop, so a count compared with an earlier one reads only these.
    /// </summary>
    public string SiloSeries { get; private set; } = null!;

    public string GatewaySeries { get; private set; } = null!;

    internal PrometheusServer Prometheus => _prometheus ?? throw new InvalidOperationException("Prometheus has not started.");

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        Deployment = await ClusterDeployment.CreateAsync(services, "telemetry_", cancellationToken);
        var silo = await Deployment.StartSiloAsync(cancellationToken, builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Telemetry:MetricsUrls"] = $"http://127.0.0.1:{SiloManagementPort.ToString(CultureInfo.InvariantCulture)}",
                ["Telemetry:Traces"] = "true",
            });
            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new SimpleActivityExportProcessor(new QueueExporter(SiloSpans))));
        });

        Gateway = Deployment.CreateGateway(
            new Dictionary<string, string?>
            {
                ["Telemetry:MetricsUrls"] = $"http://127.0.0.1:{GatewayManagementPort.ToString(CultureInfo.InvariantCulture)}",
                ["Telemetry:Traces"] = "true",
            },
            gatewayServices => gatewayServices.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new SimpleActivityExportProcessor(new QueueExporter(GatewaySpans)))));
        Client = new HttpClient { BaseAddress = Gateway.StartKestrel(GatewayManagementPort) };
        SiloSeries = $"otel_scope_test_host=\"{SeparateMeterFactory.HostOf(silo.Services)}\"";
        GatewaySeries = $"otel_scope_test_host=\"{SeparateMeterFactory.HostOf(Gateway.Services)}\"";

        _prometheus = await PrometheusServer.StartAsync(
            new Dictionary<string, string[]>
            {
                ["dilemma-gateway"] = [$"127.0.0.1:{GatewayManagementPort.ToString(CultureInfo.InvariantCulture)}"],
                ["dilemma-silo"] = [$"127.0.0.1:{SiloManagementPort.ToString(CultureInfo.InvariantCulture)}"],
            },
            Dilemma.Tests.Deployment.Repository.PathOf("k8s", "monitoring", "alerts.yaml"),
            cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // An exception the gateway logged during the tests is a bug even when the client only saw a status code.
        // Read before the hosts stop: Orleans' client can log a race of its own while it shuts down.
        var errors = Gateway?.Logs.Lines.Where(line => line.StartsWith("Error", StringComparison.Ordinal) || line.StartsWith("Critical", StringComparison.Ordinal)).ToList() ?? [];
        Client?.Dispose();
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        if (Deployment is not null)
        {
            await Deployment.DisposeAsync();
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"The gateway logged {errors.Count} error(s) during the tests; the first: {errors[0]}");
        }
    }

    /// <summary>Keeps every exported span; a list the test reads while the hosts still export.</summary>
    private sealed class QueueExporter(ConcurrentQueue<Activity> spans) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var activity in batch)
            {
                spans.Enqueue(activity);
            }

            return ExportResult.Success;
        }
    }
}
