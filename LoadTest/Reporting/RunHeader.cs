using System.Runtime.InteropServices;
using Dilemma.LoadTest.Cli;

namespace Dilemma.LoadTest.Reporting;

/// <summary>What was run, against what, on which machine: enough to tell two results apart a month later.</summary>
public sealed record RunHeader(
    string Scenario,
    string Url,
    DateTimeOffset StartedAt,
    double DurationSeconds,
    int Connections,
    long MaxRequests,
    double RequestTimeoutSeconds,
    MachineInfo Machine)
{
    public static RunHeader From(LoadTestOptions options, DateTimeOffset startedAt) => new(
        options.Scenario,
        options.Url.ToString(),
        startedAt,
        options.Duration.TotalSeconds,
        options.Connections,
        options.MaxRequests,
        options.RequestTimeout.TotalSeconds,
        MachineInfo.Current());
}

public sealed record MachineInfo(string MachineName, int ProcessorCount, string? CpuModel, double MemoryGib, string Os, string Runtime, string? LoadAverage)
{
    public static MachineInfo Current() => new(
        Environment.MachineName,
        Environment.ProcessorCount,
        ProcFile("/proc/cpuinfo", text => text.Split('\n').FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()),
        Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024), 1),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        // Other work on a shared machine moves every number; the load average at the start says how much there was.
        ProcFile("/proc/loadavg", text => string.Join(' ', text.Split(' ').Take(3))));

    private static string? ProcFile(string path, Func<string, string?> pick)
    {
        try
        {
            return File.Exists(path) ? pick(File.ReadAllText(path)) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
