using System.Diagnostics;
using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Gateway.Research;

/// <summary>
/// Pays at start-up what the first research export after a start used to pay (docs/benchmarks.md, Research export):
/// compiling the export's code in gateway and silo, the silo's first database connections, the workbook writer's
/// set-up. It runs the whole pipeline, the workbook and a CSV, through the very <see cref="ResearchExportResult"/> a
/// researcher's request runs (the scenario labels, the paced calls, the response's start), into
/// <see cref="Stream.Null"/>; the silo reads the newest 64 rooms for it (or nothing before the first room), so that
/// the code handling rows is compiled, and called often enough to be optimised, too. It does so <see cref="ResearchExportSettings.WarmUpRounds"/>
/// times: the runtime starts counting a method's calls towards optimising it only once no new method has been
/// compiled for a moment, which the first round, compiling all the way, does not allow. What the first signed-in
/// request pays is <see cref="Accounts.AccessTokenWarmUp"/>'s. The requests are marked <see cref="ExportRequest.WarmUp"/>,
/// so the silo writes no ledger row and logs no export, and the gateway's export metrics do not count them. It runs
/// in start-up, before the gateway listens (one and a half seconds on a quiet machine); a failure is logged and start-up goes
/// on, since exports still work, only the first one slower.
/// </summary>
public sealed partial class ExportWarmUp(IGrainFactory grains, ResearchExportSettings settings, ILogger<ExportWarmUp> logger) : IHostedService
{
    /// <summary>The requester name the warm-up's requests carry.</summary>
    public const string RequestedByName = "warm-up";

    /// <summary>
    /// How many times start-up runs the warm-up (<see cref="RunAsync"/>) unless <c>Research:ExportWarmUpRounds</c> says
    /// otherwise. Six: the first export after a start took 0.21-0.27 s after six rounds, 0.35-0.50 s after two, for about half
    /// a second more of start-up (docs/benchmarks.md, Research export).
    /// </summary>
    public const int DefaultRounds = 6;

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
            for (var round = 0; round < settings.WarmUpRounds; round++)
            {
                await RunAsync(limit.Token);
            }

            LogWarmedUp(logger, Stopwatch.GetElapsedTime(began).TotalMilliseconds);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>One round of the warm-up: the workbook, then a CSV; what each export's stream ended with.</summary>
    public async Task<IReadOnlyList<ExportCompleted>> RunAsync(CancellationToken cancellationToken) =>
    [
        await ExportAsync("xlsx", cancellationToken),
        await ExportAsync("csv", cancellationToken),
    ];

    private async Task<ExportCompleted> ExportAsync(string format, CancellationToken cancellationToken)
    {
        var csvSheet = ExportSheets.Participants;
        var request = new ExportRequest(ChosenBySilo, 0, RequestedByName, format, ResearchExportSettings.DefaultRowsPerChunk, settings.MaxStall, OnlySheet: format == "csv" ? csvSheet.Name : null, WarmUp: true);
        var export = new ResearchExportResult(grains, request, settings.ChunksPerCall, csvSheet);
        var context = new DefaultHttpContext { RequestAborted = cancellationToken };
        context.Response.Body = Stream.Null;
        await export.ExecuteAsync(context);
        return export.Completed ?? throw new InvalidOperationException("An export stream ended without ExportCompleted.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Research export warmed up in {Milliseconds:F0} ms")]
    private static partial void LogWarmedUp(ILogger logger, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Research export warm-up failed; the first export after start will be slower")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
