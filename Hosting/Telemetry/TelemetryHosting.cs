using Dilemma.Hosting.Settings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Dilemma.Hosting.Telemetry;

/// <summary>
/// OpenTelemetry for both hosts: traces from the HTTP request through Orleans' grain calls to the MySQL
/// commands, the metrics of ASP.NET Core, Kestrel, the runtime, Orleans, MySqlConnector and our own
/// <see cref="DilemmaMeter"/>; exported over OTLP and scraped from the management port.
/// </summary>
public static class TelemetryHosting
{
    /// <summary>Our meter and activity source.</summary>
    public const string DilemmaMeter = "Dilemma";

    /// <summary>Orleans' activity sources (Orleans.Diagnostics.ActivitySources): the runtime's calls and the grains' own.</summary>
    public static readonly string[] OrleansActivitySources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <summary>Every meter exported: ASP.NET Core and Kestrel come with the AspNetCore instrumentation.</summary>
    public static readonly string[] Meters = ["Microsoft.Orleans", "MySqlConnector", DilemmaMeter];

    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Distinct tag sets kept per metric; more fold into one <c>otel_metric_overflow</c> series. OpenTelemetry sets
    /// aside room for its limit (2,000) up front for every instrument it sees, about 200 KB each over the 150-odd of
    /// the runtime, ASP.NET Core and Orleans, whose tags (grain type, generation, state) take a few dozen values.
    /// </summary>
    public const int CardinalityLimit = 200;

    /// <summary>Tagged by route, method and status: these keep OpenTelemetry's own limit.</summary>
    private static readonly HashSet<string> RouteTaggedInstruments = ["http.server.request.duration", "aspnetcore.routing.match_attempts"];

    /// <summary>
    /// Registers what <see cref="TelemetryOptions"/> asks for and returns them. With a management port,
    /// Kestrel listens on it besides the public addresses.
    /// </summary>
    public static TelemetryOptions AddTelemetryCore(this WebApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = TelemetryOptions.ReadValid(builder.Configuration);
        var services = builder.Services;
        services.AddOptions<TelemetryOptions>().BindSettings(TelemetryOptions.SectionName, new TelemetryOptionsValidator());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, ManagementPortMatcherPolicy>());

        if (LogFormat.IsJson(builder.Configuration))
        {
            // One JSON object a line; the scopes carry TraceId and SpanId (the host tracks them by default).
            builder.Logging.AddJsonConsole(json =>
            {
                json.IncludeScopes = true;
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            });
        }

        if (options.HasManagementPort)
        {
            builder.WebHost.UseUrls([.. PublicUrls(builder.Configuration), .. options.ManagementUrls]);
        }

        if (!options.TracesEnabled && !options.MetricsEnabled)
        {
            return options;
        }

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceVersion: BuildVersion.Current, serviceInstanceId: Environment.MachineName + "-" + Environment.ProcessId));
        if (options.TracesEnabled)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(OrleansActivitySources)
                .AddSource("MySqlConnector", DilemmaMeter)
                .AddAspNetCoreInstrumentation(aspNet => aspNet.Filter = context => !IsManagementRequest(context, options))
                .AddHttpClientInstrumentation());
        }

        if (options.MetricsEnabled)
        {
            telemetry.WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(Meters)
                    .AddView(instrument => RouteTaggedInstruments.Contains(instrument.Name) ? null : new MetricStreamConfiguration { CardinalityLimit = CardinalityLimit });
                if (options.HasManagementPort)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        }

        if (options.HasOtlp)
        {
            var protocol = options.OtlpProtocol == "http" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
            telemetry.UseOtlpExporter(protocol, new Uri(options.OtlpEndpoint!));
        }

        return options;
    }

    /// <summary>Maps <c>/metrics</c> on the management port, when there is one.</summary>
    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (options.HasManagementPort)
        {
            endpoints.MapPrometheusScrapingEndpoint(MetricsPath).OnManagementPort();
        }

        return endpoints;
    }

    private static bool IsManagementRequest(HttpContext context, TelemetryOptions options) =>
        options.ManagementPorts.Contains(context.Connection.LocalPort);

    /// <summary>
    /// The public addresses Kestrel would have used: <c>urls</c> (<c>--urls</c>, <c>ASPNETCORE_URLS</c>), else
    /// <c>http_ports</c> (<c>ASPNETCORE_HTTP_PORTS</c>, set by the container images), else Kestrel's default.
    /// </summary>
    private static IEnumerable<string> PublicUrls(IConfiguration configuration)
    {
        if (configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls)
        {
            return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        if (configuration[WebHostDefaults.HttpPortsKey] is { Length: > 0 } ports)
        {
            return ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(port => $"http://*:{port}");
        }

        return ["http://localhost:5000"];
    }
}
