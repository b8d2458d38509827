using System.Globalization;
using System.Text;
using Dilemma.LoadTest.Measurement;

namespace Dilemma.LoadTest.Reporting;

/// <summary>Number formats for the human summary: invariant, so that summaries from any machine compare.</summary>
public static class Text
{
    public static string Ms(double milliseconds) => milliseconds.ToString(milliseconds < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " ms";

    public static string Num(double value, string format = "0.0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Whole(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Latency(LatencySummary summary, bool withP90 = true) =>
        summary.Count == 0
            ? "-"
            : withP90
                ? $"p50 {Ms(summary.P50Ms)}  p90 {Ms(summary.P90Ms)}  p99 {Ms(summary.P99Ms)}  max {Ms(summary.MaxMs)}"
                : $"p50 {Ms(summary.P50Ms)}  p99 {Ms(summary.P99Ms)}  max {Ms(summary.MaxMs)}";

    public static string Kinds(IReadOnlyDictionary<string, long> counts) =>
        counts.Count == 0 ? string.Empty : "[" + string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key}: {Whole(c.Value)}")) + "]";

    /// <summary>Drops the trailing spaces that empty columns leave.</summary>
    public static string Tidy(StringBuilder text) =>
        string.Join('\n', text.ToString().Split('\n').Select(line => line.TrimEnd()));

    public static string Cpu(CpuReport cpu)
    {
        var servers = cpu.Servers.Select(s => s.CpuSeconds is { } seconds
            ? $"{s.Label} {Num(s.PercentOfOneCore ?? 0, "0")} %"
            : $"{s.Label} unknown");
        var ours = cpu.Servers.Sum(s => s.PercentOfOneCore ?? 0) + cpu.ClientPercentOfOneCore;
        var machine = cpu.MachinePercentOfOneCore is { } total
            ? $"; whole machine {Num(total, "0")} % of {cpu.ProcessorCount * 100} % (other programs ~{Num(Math.Max(0, total - ours), "0")} %)"
            : string.Empty;
        return string.Join(", ", servers.Append($"load generator {Num(cpu.ClientPercentOfOneCore, "0")} %"))
            + $" of one core over {Num(cpu.WallSeconds, "0.0")} s{machine}";
    }
}
