using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Dapper;
using Dilemma.Gateway.Research;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Research;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;

namespace Dilemma.Tests.Research;

/// <summary>
/// The start-up warm-up of the research export (issue 18): it runs the whole pipeline, every sheet, through the
/// export grain, yet leaves no trace a researcher could mistake for an export: no ledger row, no logged export.
/// </summary>
public abstract class ExportWarmUpTests(IGrainFactory grains, GatewayFactory factory)
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>How many of these exports the ledger holds.</summary>
    protected abstract Task<int> LedgerRowsAsync(IReadOnlyList<Guid> exportIds);

    [Fact]
    public async Task The_warm_up_reads_every_sheet_with_the_newest_rooms_rows_but_writes_no_ledger_row_and_logs_no_export()
    {
        // Rows, not only empty queries: the code that handles rows is what the first export used to compile.
        using var client = factory.CreateClient();
        await RoomKit.StartedRoomAsync(client, Ct);
        await RoomKit.StartedRoomAsync(client, Ct);

        var runs = await new ExportWarmUp(grains, new ResearchExportSettings(), NullLogger<ExportWarmUp>.Instance).RunAsync(Ct);

        Assert.Equal(2, runs.Count);
        Assert.Equal(ExportSheets.All.Select(s => s.Name), runs[0].Sheets.Select(s => s.Sheet));
        Assert.All(runs, run => Assert.InRange(run.RoomRows, 2, ResearchExportGrain.WarmUpRooms + 16));
        Assert.Equal(0, await LedgerRowsAsync([.. runs.Select(r => r.ExportId)]));
        Assert.DoesNotContain(factory.Logs.Lines, line => runs.Any(r => line.Contains(r.ExportId.ToString(), StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task The_warm_up_runs_the_requests_own_export_path_yet_counts_in_no_export_metric_while_a_researchers_export_does()
    {
        using var client = factory.CreateClient();
        await RoomKit.StartedRoomAsync(client, Ct);
        var rows = new ConcurrentQueue<(long Rows, string? Format)>();
        using var listener = ExportRowsListener(factory.Services.GetRequiredService<IMeterFactory>(), rows);

        var runs = await new ExportWarmUp(grains, factory.Services.GetRequiredService<ResearchExportSettings>(), NullLogger<ExportWarmUp>.Instance).RunAsync(Ct);

        Assert.All(runs, run => Assert.True(run.RoomRows >= 1, "the warm-up read no room"));
        Assert.Empty(rows);

        // The listener hears this host's exports: a researcher's is counted, by format.
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        await ResearchKit.DownloadAsync(researcher, "format=xlsx", Ct);
        var counted = Assert.Single(rows);
        Assert.Equal("xlsx", counted.Format);
        Assert.True(counted.Rows > 0, "a researcher's export counted no rows");
    }

    /// <summary>Hears <c>dilemma.export.rows</c> of this host's meters only: tests in other classes export in the same process.</summary>
    private static MeterListener ExportRowsListener(IMeterFactory hostMeters, ConcurrentQueue<(long Rows, string? Format)> rows)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "dilemma.export.rows" && ReferenceEquals(instrument.Meter.Scope, hostMeters))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? format = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "format")
                {
                    format = tag.Value as string;
                }
            }

            rows.Enqueue((value, format));
        });
        listener.Start();
        return listener;
    }

    [Fact]
    public void The_gateway_warmed_the_export_up_before_it_started()
    {
        Assert.Contains(factory.Logs.Lines, line => line.Contains("Research export warmed up in", StringComparison.Ordinal));
    }
}

public sealed class ClusterExportWarmUpTests(ClusterGatewayFixture cluster)
    : ExportWarmUpTests(cluster.Grains, cluster.Factory), IClassFixture<ClusterGatewayFixture>
{
    protected override async Task<int> LedgerRowsAsync(IReadOnlyList<Guid> exportIds)
    {
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        return await connection.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM research_exports WHERE export_id IN @ids",
            new { ids = exportIds.Select(id => id.ToString("D")).ToList() });
    }
}

public sealed class EmbeddedExportWarmUpTests(EmbeddedGatewayFixture gateway)
    : ExportWarmUpTests(gateway.Grains, gateway.Factory), IClassFixture<EmbeddedGatewayFixture>
{
    protected override Task<int> LedgerRowsAsync(IReadOnlyList<Guid> exportIds) =>
        Task.FromResult(gateway.Factory.Services.GetRequiredService<InMemoryExportLedger>().Ledger.Count(e => exportIds.Contains(e.ExportId)));
}
