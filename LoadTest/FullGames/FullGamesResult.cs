using System.Text;
using System.Text.Json.Serialization;
using Dilemma.LoadTest.Dropouts;
using Dilemma.LoadTest.Measurement;
using Dilemma.LoadTest.Reporting;
using Dilemma.LoadTest.Scenarios;

namespace Dilemma.LoadTest.FullGames;

public sealed record FullGamesResult(
    RunHeader Run,
    int Tables,
    double WarmupSeconds,
    double MeasuredSeconds,
    long GamesCompleted,
    double GamesPerSecond,
    LatencySummary GameDuration,
    long GamesFailed,
    long Requests,
    double RequestsPerSecond,
    long Errors,
    IReadOnlyList<EndpointStats> Endpoints,
    IReadOnlyDictionary<string, long> WarmupErrorsByKind,
    long ConnectionsOpened,
    bool RequestCapReached,
    CpuReport Cpu) : IScenarioResult
{
    /// <summary>--dropout-rate: the share of players meant to vanish (none: nobody did).</summary>
    public double? DropoutRate { get; init; }

    /// <summary>With dropouts: the database checked against the events the run caused.</summary>
    public DropoutCheck? Dropouts { get; init; }

    /// <summary>With dropouts the run also fails when the database does not hold what the run caused.</summary>
    [JsonIgnore]
    public bool Passed => MeasuredSomething && Dropouts?.Passed != false;

    public IReadOnlyList<string> Warnings
    {
        get
        {
            var warnings = new List<string>();
            if (GamesCompleted == 0)
            {
                warnings.Add("no game was completed in the measured window");
            }

            if (Errors > 0 || GamesFailed > 0)
            {
                warnings.Add($"{Text.Whole(Errors)} requests failed; {Text.Whole(GamesFailed)} games were abandoned");
            }

            if (WarmupErrorsByKind.Count > 0)
            {
                warnings.Add($"requests failed during the warm-up too: {Text.Kinds(WarmupErrorsByKind)}");
            }

            if (Dropouts is { Passed: false })
            {
                warnings.Add("the dropout check failed: not every game finished, or room_events holds other rows than the run caused");
            }

            if (RequestCapReached)
            {
                warnings.Add("the request cap ended the run before its duration");
            }

            return warnings;
        }
    }

    [JsonIgnore]
    public bool MeasuredSomething => GamesCompleted > 0;

    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine($"full-games  {Run.Url}  {Tables} tables ({Text.Whole(ConnectionsOpened)} connections opened), {Text.Num(WarmupSeconds, "0.#")} s warm-up, {Text.Num(Run.DurationSeconds, "0.#")} s measured");
        text.AppendLine($"  games completed  {Text.Whole(GamesCompleted),9}  {Text.Num(GamesPerSecond, "0.00"),9}/s  game duration {Text.Latency(GameDuration)}");
        text.AppendLine($"  games abandoned  {Text.Whole(GamesFailed),9}");
        text.AppendLine($"  requests         {Text.Whole(Requests),9}  {Text.Num(RequestsPerSecond, "0.0"),9}/s  errors {Text.Whole(Errors)}");
        foreach (var endpoint in Endpoints)
        {
            text.AppendLine($"  {endpoint.Endpoint,-36} {Text.Whole(endpoint.Requests),8}  {Text.Latency(endpoint.Latency)}  {(endpoint.Errors > 0 ? $"errors {Text.Whole(endpoint.Errors)} {Text.Kinds(endpoint.ErrorsByKind)}" : string.Empty)}");
        }

        text.AppendLine($"  cpu              {Text.Cpu(Cpu)}");
        if (Dropouts is not null)
        {
            text.AppendLine($"  dropout rate     {Text.Num(DropoutRate ?? 0, "0.###")} of the players (games in progress at the window's end were played to their end, not counted above)");
            text.Append(Dropouts.Describe());
        }

        foreach (var warning in Warnings)
        {
            text.AppendLine($"  warning: {warning}");
        }

        return Text.Tidy(text);
    }
}
