namespace Dilemma.LoadTest.Cli;

/// <summary>One run of one scenario, as given on the command line.</summary>
public sealed record LoadTestOptions(
    string Scenario,
    Uri Url,
    TimeSpan Duration,
    int Connections,
    TimeSpan Warmup,
    TimeSpan Baseline,
    int Users,
    TimeSpan ProbeInterval,
    long MaxRequests,
    TimeSpan RequestTimeout,
    string? OutFile,
    IReadOnlyList<WatchedProcess> ServerProcesses)
{
    /// <summary>Longer than any healthy run can take; past it the run is abandoned rather than left hanging.</summary>
    public TimeSpan HardLimit =>
        Baseline + Warmup + Duration + (RequestTimeout * 2) + TimeSpan.FromMinutes(5);
}

/// <summary>A server process whose CPU time is read at the start and the end of the measured window.</summary>
public sealed record WatchedProcess(string Label, int Pid);
