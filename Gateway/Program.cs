using Dilemma.Hosting.Settings;
using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Admin;
using Dilemma.Gateway.Consent;
using Dilemma.Gateway.Ai;
using Dilemma.Gateway.Edge;
using Dilemma.Gateway.Health;
using Dilemma.Gateway.Hosting;
using Dilemma.Gateway.Ice;
using Dilemma.Gateway.Realtime;
using Dilemma.Gateway.Research;
using Dilemma.Gateway.Rooms;
using Dilemma.Gateway.Scenarios;
using Dilemma.Gateway.Sessions;
using Dilemma.Gateway.Telemetry;
using Dilemma.Gateway.WebClient;
using Dilemma.Hosting;

if (args is [HealthProbe.Command, ..])
{
    // `dotnet Dilemma.Gateway.dll healthcheck [path]`: Docker's HEALTHCHECK (the image has no curl).
    return await HealthProbe.RunAsync(args, Environment.GetEnvironmentVariable, Console.Out, CancellationToken.None);
}

try
{
    var builder = WebApplication.CreateBuilder(args);
    var mode = ClusterHosting.ReadMode(builder.Configuration);
    var host = builder.AddDilemmaCluster(mode);
    builder.AddDilemmaTelemetry(mode);
    builder.AddDilemmaEdge(mode);
    builder.AddIce();
    builder.Services.AddAiApi();
    builder.Services.AddDilemmaHealthChecks(host);
    builder.Services.AddRealtime();
    builder.Services.AddHostedService<StartupNotices>();
    builder.Services.AddSettings(ResearchExportSettings.SectionName, new ResearchExportSettingsValidator());
    builder.Services.AddHostedService<ExportWarmUp>();
    builder.Services.AddHostedService<AccessTokenWarmUp>();

    var app = builder.Build();
    ConfigurationErrors.ValidateSettings(app.Services);
    app.UseDilemmaEdge();
    app.MapHealthApi();
    app.MapAuthApi();
    app.MapConsentApi();
    app.MapAdminApi();
    app.MapRoomsApi();
    app.MapSessionsApi();
    app.MapScenariosApi();
    app.MapRealtimeApi();
    app.MapSessionMonitor();
    app.MapResearchStatisticsApi();
    app.MapIceApi();
    app.MapAiApi();
    app.MapResearchApi();
    app.MapWithdrawalApi();
    app.MapWebClient();
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (ConfigurationErrors.Describe(e) is not null)
{
    // A wrong setting, found by our readers or by an options class's ValidateOnStart: one line, exit code 2.
    await Console.Error.WriteLineAsync($"Configuration error: {ConfigurationErrors.Describe(e)}");
    return ConfigurationErrors.ExitCode;
}

/// <summary>Named so tests can host the gateway with <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
