using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Dilemma.LoadTest.Cli;
using Dilemma.LoadTest.Http;
using Dilemma.LoadTest.Measurement;
using Dilemma.LoadTest.Reporting;

namespace Dilemma.LoadTest.Scenarios;

/// <summary>
/// The cheapest authenticated request: <c>GET /auth/me</c> is a JWT check and one grain call that
/// reads the user. Each worker is its own guest, so the calls spread over as many grains.
/// </summary>
public static class GrainCallScenario
{
    // Guest sign-in is not rate limited; a handful at a time is plenty and leaves the server its cores.
    private const int GuestParallelism = 8;

    public static async Task<GrainCallResult> RunAsync(LoadTestOptions options, CancellationToken cancellationToken)
    {
        var run = RunHeader.From(options, DateTimeOffset.UtcNow);
        using var client = GatewayClient.Create(options.Url, options.Connections, options.RequestTimeout);

        var tokens = await SignInGuestsAsync(client, options.Connections, cancellationToken);
        await Progress.WriteAsync($"grain-call: {tokens.Length} guests signed in; {options.Warmup.TotalSeconds:0.#} s warm-up, then {options.Duration.TotalSeconds:0.#} s measured");

        var budget = new RequestBudget(options.MaxRequests);
        var measureFrom = Clock.After(Clock.Now, options.Warmup);
        var deadline = Clock.After(measureFrom, options.Duration);
        var workers = tokens
            .Select(token => Task.Run(() => CallAsync(client, token, measureFrom, deadline, budget, cancellationToken), cancellationToken))
            .ToArray();

        await Clock.UntilAsync(measureFrom, cancellationToken);
        var cpu = CpuWatch.Start(options.ServerProcesses);
        var results = await Task.WhenAll(workers);
        var wall = System.Diagnostics.Stopwatch.GetElapsedTime(measureFrom);
        var cpuReport = cpu.Stop(wall);

        var total = Tally.Merge(results.Select(r => r.Tally));
        var seconds = wall.TotalSeconds;
        return new GrainCallResult(
            run,
            options.Warmup.TotalSeconds,
            Math.Round(seconds, 2),
            total.Succeeded.Count,
            Math.Round(total.Succeeded.Count / seconds, 1),
            total.Succeeded.Summarize(),
            total.Failed.Count,
            total.Failed.Summarize(),
            total.ErrorsByKind,
            results.Sum(r => r.WarmupRequests),
            budget.Exhausted,
            cpuReport);
    }

    private static async Task<string[]> SignInGuestsAsync(GatewayClient client, int count, CancellationToken cancellationToken)
    {
        var runId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var tokens = new string[count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Min(count, GuestParallelism), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, count), parallel, async (i, token) =>
        {
            var pair = await client.GuestAsync($"lt-{runId}-{i}", $"load {i}", token);
            tokens[i] = pair.AccessToken;
        });
        return tokens;
    }

    private static async Task<(Tally Tally, long WarmupRequests)> CallAsync(GatewayClient client, string accessToken, long measureFrom, long deadline, RequestBudget budget, CancellationToken cancellationToken)
    {
        var tally = new Tally();
        long warmup = 0;
        while (Clock.Before(deadline) && budget.TryTake())
        {
            // A request counts for the window it was sent in; those sent during warm-up are not recorded.
            var sentAt = Clock.Now;
            var outcome = await client.MeAsync(accessToken, cancellationToken);
            if (sentAt < measureFrom)
            {
                warmup++;
            }
            else if (outcome.Succeeded)
            {
                tally.Success(outcome);
            }
            else
            {
                tally.Error(outcome);
            }
        }

        return (tally, warmup);
    }
}

public sealed record GrainCallResult(
    RunHeader Run,
    double WarmupSeconds,
    double MeasuredSeconds,
    long Requests,
    double RequestsPerSecond,
    LatencySummary Latency,
    long Errors,
    LatencySummary ErrorLatency,
    IReadOnlyDictionary<string, long> ErrorsByKind,
    long WarmupRequests,
    bool RequestCapReached,
    CpuReport Cpu) : IScenarioResult
{
    public IReadOnlyList<string> Warnings
    {
        get
        {
            var warnings = new List<string>();
            if (Requests == 0)
            {
                warnings.Add("no request succeeded");
            }

            if (Errors > 0)
            {
                warnings.Add($"{Text.Whole(Errors)} requests failed");
            }

            if (RequestCapReached)
            {
                warnings.Add("the request cap ended the run before its duration");
            }

            return warnings;
        }
    }

    [JsonIgnore]
    public bool MeasuredSomething => Requests > 0;

    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine($"grain-call  {Run.Url}  {Run.Connections} workers (one guest each), {Text.Num(WarmupSeconds, "0.#")} s warm-up, {Text.Num(MeasuredSeconds, "0.0")} s measured");
        text.AppendLine($"  GET /auth/me ok  {Text.Whole(Requests),9}  {Text.Num(RequestsPerSecond, "0.0"),9}/s  {Text.Latency(Latency)}  mean {Text.Ms(Latency.MeanMs)}");
        text.AppendLine($"  errors           {Text.Whole(Errors),9}  {Text.Kinds(ErrorsByKind)}");
        text.AppendLine($"  cpu              {Text.Cpu(Cpu)}");
        foreach (var warning in Warnings)
        {
            text.AppendLine($"  warning: {warning}");
        }

        return Text.Tidy(text);
    }
}
