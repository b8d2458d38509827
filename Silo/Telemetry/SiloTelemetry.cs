using Dilemma.Hosting.Telemetry;
using Orleans.Dashboard;

namespace Dilemma.Silo.Telemetry;

/// <summary>The silo's telemetry: the shared pipeline, trace propagation through grain calls, and the dashboard's data.</summary>
public static class SiloTelemetry
{
    public const string ServiceName = "dilemma-silo";

    public static WebApplicationBuilder AddDilemmaTelemetry(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.AddTelemetryCore(ServiceName);
        builder.UseOrleans(silo =>
        {
            if (options.TracesEnabled)
            {
                silo.AddActivityPropagation();
            }

            if (options.Dashboard)
            {
                // The silo collects what the dashboard shows; cluster gateways serve it (behind the admin role).
                // Live logs stay off: they carry grain keys and user ids.
                silo.AddDashboard(dashboard => dashboard.HideTrace = true);
            }
        });
        return builder;
    }

    /// <summary><c>/metrics</c> on the management port, when there is one.</summary>
    public static WebApplication MapSiloManagement(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapMetricsEndpoint();
        return app;
    }
}
