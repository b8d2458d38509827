using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Hosting;
using Dilemma.Hosting.Telemetry;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace Dilemma.Gateway.Telemetry;

/// <summary>The gateway's telemetry: the shared pipeline, its own meter, and in cluster mode the Orleans dashboard.</summary>
public static class GatewayTelemetry
{
    public const string ServiceName = "dilemma-gateway";
    public const string DashboardPath = "/dashboard";

    public static WebApplicationBuilder AddDilemmaTelemetry(this WebApplicationBuilder builder, GatewayMode mode)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.AddTelemetryCore(ServiceName);
        builder.Services.AddSingleton<EdgeMetrics>();

        if (mode == GatewayMode.Embedded)
        {
            if (options.TracesEnabled)
            {
                builder.UseOrleans(silo => silo.AddActivityPropagation());
            }

            return builder;
        }

        builder.UseOrleansClient(client =>
        {
            if (options.TracesEnabled)
            {
                client.AddActivityPropagation();
            }

            if (ServesDashboard(mode, options))
            {
                // Live logs stream grain keys and user ids; operators get them from the log pipeline instead.
                client.AddDashboard(dashboard => dashboard.HideTrace = true);
            }
        });
        return builder;
    }

    /// <summary>
    /// <c>/metrics</c> and, in cluster mode, the Orleans dashboard at <c>/dashboard</c> for the <c>admin</c>
    /// role; both only on the management port.
    /// </summary>
    public static WebApplication MapGatewayManagement(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapMetricsEndpoint();
        var options = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (ServesDashboard(app.Services.GetRequiredService<GatewayHostInfo>().Mode, options))
        {
            app.MapOrleansDashboard(DashboardPath)
                .OnManagementPort()
                .RequireAuthorization(AccessTokens.AdminTokenPolicy)
                .ExcludeFromDescription();
        }

        return app;
    }

    private static bool ServesDashboard(GatewayMode mode, TelemetryOptions options) =>
        mode == GatewayMode.Cluster && options.Dashboard && options.HasManagementPort;
}
