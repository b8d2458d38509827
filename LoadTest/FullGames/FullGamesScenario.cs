using Dilemma.LoadTest.Cli;
using Dilemma.LoadTest.Dropouts;
using Dilemma.LoadTest.Http;
using Dilemma.LoadTest.Measurement;
using Dilemma.LoadTest.Reporting;
using Dilemma.LoadTest.Scenarios;

namespace Dilemma.LoadTest.FullGames;

/// <summary>
/// Whole games through the gateway, as three browsers would play them one request after
/// another: fresh guests, a private room, joins, roles, start, five rounds of three choices and
/// a consensus, and the statistics. Each table plays one game at a time and starts the next as
/// soon as one ends, so games per second is what the server sustains at that many tables.
/// With <c>--dropout-rate</c>, that share of the players keep a signaling socket open and vanish in a
/// round of their game (<see cref="DropoutPlan"/>); their rooms play on under <c>on_dropout: continue</c>
/// (the players left wait for the grace period to drop the vanished one, then finish the game without
/// them), every game started is played to its end after the window, and the database is then checked
/// against the events the run caused (<see cref="DropoutCheck"/>).
/// </summary>
public static class FullGamesScenario
{

    public static async Task<FullGamesResult> RunAsync(LoadTestOptions options, CancellationToken cancellationToken)
    {
        var run = RunHeader.From(options, DateTimeOffset.UtcNow);
        var connections = new ConnectionCounter();
        using var client = GatewayClient.Create(options.Url, options.Tables, options.RequestTimeout, connections);
        await Progress.WriteAsync($"full-games: {options.Tables} tables; {options.Warmup.TotalSeconds:0.#} s warm-up, then {options.Duration.TotalSeconds:0.#} s measured");

        var record = new GameRecord(new RequestBudget(options.MaxRequests));
        var measureFrom = Clock.After(Clock.Now, options.Warmup);
        var deadline = Clock.After(measureFrom, options.Duration);
        var tables = Enumerable.Range(0, options.Tables)
            .Select(t => Task.Run(() => new Table(client, options, t, record, measureFrom, deadline, cancellationToken).PlayAsync(), cancellationToken))
            .ToArray();

        await Clock.UntilAsync(measureFrom, cancellationToken);
        var cpu = CpuWatch.Start(options.ServerProcesses);
        await Task.WhenAll(tables);
        var wall = System.Diagnostics.Stopwatch.GetElapsedTime(measureFrom);
        var cpuReport = cpu.Stop(wall);
        var check = options.Dropouts is { } dropouts
            ? await DropoutCheck.RunAsync(dropouts.Database, record.Games.ToList(), record.Vanished, cancellationToken)
            : null;

        // Rates are over the measured window itself; the requests still in flight at its end
        // (a few milliseconds) are in the CPU window but count only if they were sent inside it.
        var seconds = options.Duration.TotalSeconds;
        var endpoints = Endpoint.All.Select((endpoint, i) =>
        {
            var tally = record.Endpoints[i].Result();
            return new EndpointStats(endpoint.Name, tally.Succeeded.Count + tally.Failed.Count, tally.Succeeded.Summarize(), tally.Failed.Count, tally.ErrorsByKind);
        }).ToList();
        var requests = endpoints.Sum(e => e.Requests);
        return new FullGamesResult(
            run,
            options.Tables,
            options.Warmup.TotalSeconds,
            Math.Round(wall.TotalSeconds, 2),
            record.Completed,
            Math.Round(record.Completed / seconds, 2),
            record.GameDuration.Summarize(),
            record.Failed,
            requests,
            Math.Round(requests / seconds, 1),
            endpoints.Sum(e => e.Errors),
            endpoints,
            record.WarmupErrors.Result(),
            connections.Opened,
            record.Budget.Exhausted,
            cpuReport)
        {
            DropoutRate = options.Dropouts?.Rate,
            Dropouts = check,
        };
    }
}
