using System.Diagnostics;
using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Gateway.Research;

/// <summary>
/// Pays at start-up what the first research export after a start used to pay (docs/benchmarks.md, Research export):
/// compiling the export's code in gateway and silo, the silo's first database connections, the workbook writer's
/// set-up. It runs the whole pipeline once, the workbook and a CSV, into <see cref="Stream.Null"/>; the silo reads
/// the newest 64 rooms for it (or nothing before the first room), so that the code handling rows is compiled, and
/// called often enough to be optimised, too; what the first signed-in request pays is <see cref="Accounts.AccessTokenWarmUp"/>'s.
/// The requests are marked <see cref="ExportRequest.WarmUp"/>, so the silo writes no ledger row and logs no export,
/// and the gateway's export metrics do not count them. It runs in start-up, before the gateway listens (well under a
/// second on a quiet machine); a failure is logged and start-up goes on, since exports still work, only the first
/// one slower.
/// </summary>
public sealed partial class ExportWarmUp(IGrainFactory grains, ResearchExportSettings settings, ILogger<ExportWarmUp> logger) : IHostedService
{
    /// <summary>The requester name the warm-up's requests carry.</summary>
    public const string RequestedByName = "warm-up";

    // A cluster that cannot answer within this is not worth holding start-up for.
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    // The silo chooses the warm-up's rooms (ResearchExportGrain); what is sent here is not read.
    private static readonly ExportFilter ChosenBySilo = new(null, null, null, null);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!settings.WarmUp)
        {
            return;
        }

        var began = Stopwatch.GetTimestamp();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Limit);
        try
        {
            await RunAsync(limit.Token);
            LogWarmedUp(logger, Stopwatch.GetElapsedTime(began).TotalMilliseconds);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>One warm-up: the workbook, then a CSV; what each export's stream ended with.</summary>
    public async Task<IReadOnlyList<ExportCompleted>> RunAsync(CancellationToken cancellationToken) =>
    [
        await ExportAsync("xlsx", cancellationToken),
        await ExportAsync("csv", cancellationToken),
    ];

    private async Task<ExportCompleted> ExportAsync(string format, CancellationToken cancellationToken)
    {
        var csvSheet = ExportSheets.Participants;
        var request = new ExportRequest(ChosenBySilo, 0, RequestedByName, format, ResearchExportSettings.DefaultRowsPerChunk, OnlySheet: format == "csv" ? csvSheet.Name : null, WarmUp: true);
        var exportId = Guid.NewGuid();
        await using var chunks = grains.GetGrain<IResearchExportGrain>(exportId).ExportAsync(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
        if (!await chunks.MoveNextAsync() || chunks.Current is not ExportStarted started)
        {
            throw new InvalidOperationException("An export stream did not begin with ExportStarted.");
        }

        await using IExportWriter writer = format == "csv"
            ? await CsvExportWriter.CreateAsync(Stream.Null, csvSheet, cancellationToken)
            : await ExcelExportWriter.CreateAsync(Stream.Null, new ExportDescription(exportId, started.StartedAt, ChosenBySilo, RequestedByName, format), [], cancellationToken);
        while (await chunks.MoveNextAsync())
        {
            switch (chunks.Current)
            {
                case SheetRows rows:
                    await writer.WriteRowsAsync(rows, cancellationToken);
                    break;
                case ExportCompleted completed:
                    await writer.CompleteAsync(completed, cancellationToken);
                    return completed;
            }
        }

        throw new InvalidOperationException("An export stream ended without ExportCompleted.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Research export warmed up in {Milliseconds:F0} ms")]
    private static partial void LogWarmedUp(ILogger logger, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Research export warm-up failed; the first export after start will be slower")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
