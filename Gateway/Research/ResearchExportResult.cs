using System.Diagnostics;
using Dilemma.Gateway.Telemetry;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Scenarios;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Dilemma.Gateway.Research;

/// <summary>
/// Streams an export to the response. The first item is awaited before anything is written, so a
/// failure to start (the database unreachable, a rule broken) is still an ordinary problem response;
/// after that, every item is written as it arrives, and the request's abort token, which fires when the
/// client goes away, ends the grain's enumeration and with it the query. The start-up warm-up (<see cref="ExportWarmUp"/>)
/// runs it too, over a context of its own whose body is <see cref="Stream.Null"/>; its exports count in no metric.
/// </summary>
public sealed class ResearchExportResult(IGrainFactory grains, ExportRequest request, int chunksPerCall, IExportSheet csvSheet) : IResult
{
    /// <summary>What the export's stream ended with, once it has.</summary>
    public ExportCompleted? Completed { get; private set; }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var cancellationToken = httpContext.RequestAborted;
        var began = Stopwatch.GetTimestamp();
        long rows = 0;
        var csv = request.Format == "csv";
        var choiceLabels = csv ? [] : await ChoiceLabelsAsync(cancellationToken);
        var exportId = Guid.NewGuid();
        var grain = grains.GetGrain<IResearchExportGrain>(exportId);
        var paced = request.MaxStall > TimeSpan.Zero;
        var chunks = grain
            .ExportAsync(request, cancellationToken)
            .WithBatchSize(chunksPerCall)
            .GetAsyncEnumerator(cancellationToken);
        await using (chunks)
        {
            if (!await chunks.MoveNextAsync() || chunks.Current is not ExportStarted started)
            {
                throw new InvalidOperationException("An export stream did not begin with ExportStarted.");
            }

            var response = httpContext.Response;
            var name = $"dilemma-research-{started.StartedAt.UtcDateTime:yyyyMMdd-HHmmss}-{exportId:N}{(csv && csvSheet != ExportSheets.Participants ? "-" + csvSheet.Name : string.Empty)}";
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = csv ? "text/csv; charset=utf-8" : ExcelExportWriter.ContentType;
            response.Headers.ContentDisposition = $"attachment; filename=\"{name}.{request.Format}\"";
            response.Headers.CacheControl = "no-store";
            response.Headers["X-Export-Id"] = exportId.ToString("D");

            // Kestrel ends an HTTP/1.1 response whose client reads under 240 bytes/s once a write has waited
            // longer than its size at that rate (two to five minutes for this writer's 32-64 KB writes). A paced
            // export has its own bound for a client that stopped reading, Research:ExportMaxStallSeconds.
            if (paced && httpContext.Features.Get<IHttpMinResponseDataRateFeature>() is { } minimumRate)
            {
                minimumRate.MinDataRate = null;
            }

            await response.StartAsync(cancellationToken);

            var description = new ExportDescription(exportId, started.StartedAt, request.Filter, request.RequestedByName, request.Format);
            await using IExportWriter writer = csv
                ? await CsvExportWriter.CreateAsync(response.Body, csvSheet, cancellationToken)
                : await ExcelExportWriter.CreateAsync(response.Body, description, choiceLabels, cancellationToken);

            // The next item is asked for before this one is written, and the silo reads ahead of what it has handed
            // out, so the two work at once instead of taking turns. In a paced export the silo holds back items beyond
            // those allowed: a call's worth past the one being written, so a call finds a full batch ready and the
            // gateway does not wait a round trip per item. A slow client's writes then leave the next call open in
            // the silo, so Orleans does not drop the enumeration as idle; at most a call's worth waits in the gateway.
            var ahead = chunksPerCall + 1;
            long written = 1;
            if (paced)
            {
                await grain.AllowAsync(written + ahead);
            }

            var next = chunks.MoveNextAsync().AsTask();
            try
            {
                while (await next)
                {
                    var item = chunks.Current;
                    next = chunks.MoveNextAsync().AsTask();
                    switch (item)
                    {
                        case SheetRows sheetRows:
                            await writer.WriteRowsAsync(sheetRows, cancellationToken);
                            rows += sheetRows.Count;
                            break;
                        case ExportCompleted completed:
                            await writer.CompleteAsync(completed, cancellationToken);
                            Completed = completed;
                            if (!request.WarmUp)
                            {
                                httpContext.RequestServices.GetRequiredService<EdgeMetrics>().ExportFinished(request.Format, Stopwatch.GetElapsedTime(began), rows);
                            }

                            break;
                    }

                    // Nothing follows the last item: allowing more would only activate the finished grain again.
                    written++;
                    if (paced && item is not ExportCompleted)
                    {
                        await grain.AllowAsync(written + ahead);
                    }
                }
            }
            finally
            {
                // An enumerator may only be disposed once no MoveNextAsync runs on it; a failed write (the client
                // gone) leaves one running, which the request's cancellation ends.
                await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        async Task<IReadOnlyList<ChoiceLabel>> ChoiceLabelsAsync(CancellationToken cancellationToken)
        {
            var catalog = grains.GetGrain<IScenarioCatalogGrain>(0);
            var labels = new List<ChoiceLabel>();
            foreach (var topic in await catalog.ListTopicsAsync().WaitAsync(cancellationToken))
            {
                var scenario = await catalog.GetByTopicAsync(topic.Topic).WaitAsync(cancellationToken);
                foreach (var round in scenario.Rounds)
                {
                    labels.AddRange(round.Options.Select((option, choice) => new ChoiceLabel(scenario.Topic, scenario.Id, round.RoundNumber, choice, option.En, option.Ko)));
                }
            }

            return labels;
        }
    }
}
