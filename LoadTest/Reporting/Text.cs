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
            ? $"{s.Label} {Num(s.PercentOfOneCore ?? 0, "0")} %{GcAndJit(s)}"
            : $"{s.Label} unknown");
        var ours = cpu.Servers.Sum(s => s.PercentOfOneCore ?? 0) + cpu.ClientPercentOfOneCore;
        var machine = cpu.MachinePercentOfOneCore switch
        {
            null => string.Empty,
            // /proc/stat samples busy time at timer ticks but measures idle time exactly, so on a
            // tickless (virtual) machine that is mostly idle it can read below what our processes
            // alone used; then it is a lower bound, and no estimate of other programs is possible.
            { } total when total < ours => $"; whole machine not measurable (/proc/stat read {Num(total, "0")} %, below our own processes)",
            { } total => $"; whole machine {Num(total, "0")} % of {cpu.ProcessorCount * 100} % (other programs ~{Num(total - ours, "0")} %)",
        };
        return string.Join(", ", servers.Append($"load generator {Num(cpu.ClientPercentOfOneCore, "0")} %"))
            + $" of one core over {Num(cpu.WallSeconds, "0.0")} s{machine}";
    }

    /// <summary>" (GC 5, JIT 12)" for a .NET server whose GC or JIT threads were busy; nothing for one that is not .NET, or idle in both.</summary>
    private static string GcAndJit(ProcessCpu process) =>
        (process.GcPercentOfOneCore ?? 0) + (process.JitPercentOfOneCore ?? 0) >= 0.5
            ? $" (GC {Num(process.GcPercentOfOneCore ?? 0, "0")}, JIT {Num(process.JitPercentOfOneCore ?? 0, "0")})"
            : string.Empty;
}
