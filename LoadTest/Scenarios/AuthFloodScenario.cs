using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Dilemma.LoadTest.Cli;
using Dilemma.LoadTest.Http;
using Dilemma.LoadTest.Measurement;
using Dilemma.LoadTest.Reporting;

namespace Dilemma.LoadTest.Scenarios;

/// <summary>
/// Many clients log in as fast as they can. Logins cost a quarter second of CPU each (bcrypt,
/// cost 12), so what is measured is not login throughput alone but whether the server turns the
/// excess away quickly and keeps answering everything else (here: <c>/health</c>) meanwhile.
/// </summary>
public static class AuthFloodScenario
{
    public static async Task<AuthFloodResult> RunAsync(LoadTestOptions options, CancellationToken cancellationToken)
    {
        var run = RunHeader.From(options, DateTimeOffset.UtcNow);
        using var client = GatewayClient.Create(options.Url, options.Connections, options.RequestTimeout);
        using var prober = GatewayClient.Create(options.Url, 1, options.RequestTimeout);

        var accounts = await RegisterAsync(client, options.Users, cancellationToken);
        await Progress.WriteAsync($"auth-flood: registered {accounts.Count} accounts; probing /health idle for {options.Baseline.TotalSeconds:0.#} s");
        var idle = await HealthProbe.RunAsync(prober, options.ProbeInterval, Clock.After(Clock.Now, options.Baseline), cancellationToken);

        await Progress.WriteAsync($"auth-flood: {options.Connections} workers log in for {options.Duration.TotalSeconds:0.#} s");
        var budget = new RequestBudget(options.MaxRequests);
        var cpu = CpuWatch.Start(options.ServerProcesses);
        var started = Clock.Now;
        var deadline = Clock.After(started, options.Duration);
        var probe = HealthProbe.RunAsync(prober, options.ProbeInterval, deadline, cancellationToken);
        var workers = Enumerable.Range(0, options.Connections)
            .Select(i => Task.Run(() => FloodAsync(client, accounts[i % accounts.Count], deadline, budget, cancellationToken), cancellationToken))
            .ToArray();
        var tallies = await Task.WhenAll(workers);
        var underFlood = await probe;
        var wall = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var cpuReport = cpu.Stop(wall);

        var total = Tally.Merge(tallies);
        var seconds = wall.TotalSeconds;
        return new AuthFloodResult(
            run,
            accounts.Count,
            Math.Round(seconds, 2),
            total.Succeeded.Count,
            Math.Round(total.Succeeded.Count / seconds, 2),
            total.Succeeded.Summarize(),
            total.Rejected.Count,
            Math.Round(total.Rejected.Count / seconds, 1),
            total.Rejected.Summarize(),
            total.RejectionsByKind,
            total.Failed.Count,
            total.Failed.Summarize(),
            total.ErrorsByKind,
            idle,
            underFlood,
            budget.Exhausted,
            cpuReport);
    }

    /// <summary>One at a time: registering is behind the same bcrypt limit, and in parallel most would be turned away.</summary>
    private static async Task<List<Account>> RegisterAsync(GatewayClient client, int count, CancellationToken cancellationToken)
    {
        var runId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var accounts = new List<Account>(count);
        for (var i = 0; i < count; i++)
        {
            var account = new Account($"lt-{runId}-{i}", NewPassword());
            await client.RegisterAsync(account.Username, account.Password, cancellationToken);
            accounts.Add(account);
        }

        return accounts;
    }

    private static async Task<Tally> FloodAsync(GatewayClient client, Account account, long deadline, RequestBudget budget, CancellationToken cancellationToken)
    {
        var tally = new Tally();
        while (Clock.Before(deadline) && budget.TryTake())
        {
            // No pause after a refusal: a flood does not wait, and how fast refusals come back is what is measured.
            var outcome = await client.LoginAsync(account.Username, account.Password, cancellationToken);
            if (outcome.Succeeded)
            {
                tally.Success(outcome);
            }
            else if (IsRefusal(outcome))
            {
                tally.Rejection(outcome);
            }
            else
            {
                tally.Error(outcome);
            }
        }

        return tally;
    }

    /// <summary>The gateway's concurrency limit (429) or the silo's bcrypt slots (503 auth_busy): the intended answers to a flood.</summary>
    private static bool IsRefusal(Outcome outcome) =>
        outcome.Status == 429 || (outcome.Status == 503 && outcome.Code == "auth_busy");

    private static string NewPassword()
    {
        var bytes = RandomNumberGenerator.GetBytes(15);
        return "Lt" + Convert.ToBase64String(bytes).Replace('+', 'x').Replace('/', 'y');
    }

    private sealed record Account(string Username, string Password);
}

public sealed record AuthFloodResult(
    RunHeader Run,
    int Users,
    double MeasuredSeconds,
    long Logins,
    double LoginsPerSecond,
    LatencySummary LoginLatency,
    long Rejections,
    double RejectionsPerSecond,
    LatencySummary RejectionLatency,
    IReadOnlyDictionary<string, long> RejectionsByKind,
    long Errors,
    LatencySummary ErrorLatency,
    IReadOnlyDictionary<string, long> ErrorsByKind,
    ProbeSeries HealthIdle,
    ProbeSeries HealthUnderFlood,
    bool RequestCapReached,
    CpuReport Cpu) : IScenarioResult
{
    public IReadOnlyList<string> Warnings
    {
        get
        {
            var warnings = new List<string>();
            if (Logins == 0)
            {
                warnings.Add("no login succeeded");
            }

            if (Errors > 0)
            {
                warnings.Add($"{Text.Whole(Errors)} logins failed with something other than 429/503 auth_busy");
            }

            if (HealthUnderFlood.ErrorsByKind.Count > 0)
            {
                warnings.Add("some /health probes failed during the flood");
            }

            if (RequestCapReached)
            {
                warnings.Add("the request cap ended the run before its duration");
            }

            return warnings;
        }
    }

    [JsonIgnore]
    public bool MeasuredSomething => Logins > 0;

    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine($"auth-flood  {Run.Url}  {Run.Connections} workers, {Users} accounts, {Text.Num(MeasuredSeconds, "0.0")} s ({Text.Num(Run.DurationSeconds, "0.#")} s flood + the answers then in flight)");
        text.AppendLine($"  logins ok        {Text.Whole(Logins),9}  {Text.Num(LoginsPerSecond, "0.00"),9}/s  {Text.Latency(LoginLatency)}");
        text.AppendLine($"  refused 429/503  {Text.Whole(Rejections),9}  {Text.Num(RejectionsPerSecond, "0.0"),9}/s  {Text.Latency(RejectionLatency)}  {Text.Kinds(RejectionsByKind)}");
        text.AppendLine($"  other errors     {Text.Whole(Errors),9}  {Text.Kinds(ErrorsByKind)}");
        text.AppendLine($"  /health idle     {Text.Whole(HealthIdle.Sent),9} probes  {Text.Latency(HealthIdle.Latency, withP90: false)}");
        text.AppendLine($"  /health flood    {Text.Whole(HealthUnderFlood.Sent),9} probes of {Text.Whole(HealthUnderFlood.Scheduled)} scheduled  {Text.Latency(HealthUnderFlood.Latency, withP90: false)}  (corrected p99 {Text.Ms(HealthUnderFlood.CorrectedLatency.P99Ms)}) {Text.Kinds(HealthUnderFlood.ErrorsByKind)}");
        text.AppendLine($"  cpu              {Text.Cpu(Cpu)}");
        foreach (var warning in Warnings)
        {
            text.AppendLine($"  warning: {warning}");
        }

        return Text.Tidy(text);
    }
}
