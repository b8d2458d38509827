using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Edge;
using Dilemma.Gateway.Health;
using Dilemma.Gateway.Hosting;
using Dilemma.Gateway.Research;
using Dilemma.Gateway.Rooms;
using Dilemma.Gateway.Scenarios;
using Dilemma.Grains.Hosting;

try
{
    var builder = WebApplication.CreateBuilder(args);
    var mode = ClusterHosting.ReadMode(builder.Configuration);
    var host = builder.AddDilemmaCluster(mode);
    builder.AddDilemmaEdge(mode);
    builder.Services.AddDilemmaHealthChecks(host);
    builder.Services.AddHostedService<StartupNotices>();
    builder.Services.AddSingleton(ResearchExportSettings.Read(builder.Configuration));

    var app = builder.Build();
    app.UseDilemmaEdge();
    app.MapHealthApi();
    app.MapAuthApi();
    app.MapRoomsApi();
    app.MapScenariosApi();
    app.MapResearchApi();
    await app.RunAsync();
    return 0;
}
catch (InvalidSettingException e)
{
    await Console.Error.WriteLineAsync($"Configuration error: {e.Message}");
    return 2;
}

/// <summary>Named so tests can host the gateway with <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
