using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Hosting;

/// <summary>
/// The meter factory of every host these tests run in one process, tagging its meters with the host's own id.
/// OpenTelemetry subscribes to meters by name, so each provider merges the same-named instruments of every host in
/// the process into one stream, and drops that stream for good when any of those hosts stops (checked with
/// OpenTelemetry 1.21: a live host's histogram went unexported after another host's meter was disposed). That left
/// TelemetryTests' gateway without its relay series now and then. Tagged apart, each host's instruments are their own
/// stream; a deployed process has one host and the product's default factory.
/// </summary>
public sealed class SeparateMeterFactory : IMeterFactory
{
    private readonly string _host = Guid.NewGuid().ToString("N");
    private readonly Dictionary<(string Name, string? Version), Meter> _meters = [];

    public static void Use(IServiceCollection services) => services.AddSingleton<IMeterFactory, SeparateMeterFactory>();

    /// <summary>
    /// The tag value of a host's meters: Prometheus sees it as the label <c>otel_scope_test_host</c>, which picks that
    /// host's own series out of a scrape that also shows every other host in the process (and loses them as they stop).
    /// </summary>
    public static string HostOf(IServiceProvider services) => ((SeparateMeterFactory)services.GetRequiredService<IMeterFactory>())._host;

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (_meters)
        {
            // As the default factory does: the same meter for the same name and version, so instruments are not doubled.
            if (!_meters.TryGetValue((options.Name, options.Version), out var meter))
            {
                meter = new Meter(new MeterOptions(options.Name)
                {
                    Version = options.Version,
                    Tags = [.. options.Tags ?? [], new("test_host", _host)],
                    Scope = this,
                });
                _meters[(options.Name, options.Version)] = meter;
            }

            return meter;
        }
    }

    public void Dispose()
    {
        lock (_meters)
        {
            foreach (var meter in _meters.Values)
            {
                meter.Dispose();
            }

            _meters.Clear();
        }
    }
}
