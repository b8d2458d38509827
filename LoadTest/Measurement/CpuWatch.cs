using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Dilemma.LoadTest.Cli;

namespace Dilemma.LoadTest.Measurement;

/// <summary>
/// CPU time (user + system, all threads) of the watched server processes and of this client
/// over the measured window, and how busy the whole machine was. Where client and servers share
/// the cores, the client's share is what the servers could not have; and on a shared machine,
/// what other programs took is the difference between the machine's total and ours.
/// </summary>
public sealed class CpuWatch
{
    private readonly IReadOnlyList<WatchedProcess> _processes;
    private readonly TimeSpan?[] _startServer;
    private readonly Dictionary<int, ThreadTicks>?[] _startThreads;
    private readonly TimeSpan _startClient;
    private readonly MachineTicks? _startMachine;

    private CpuWatch(IReadOnlyList<WatchedProcess> processes)
    {
        _processes = processes;
        _startServer = processes.Select(p => CpuTime(p.Pid)).ToArray();
        _startThreads = processes.Select(p => ThreadTicks.Read(p.Pid)).ToArray();
        _startClient = ClientCpu();
        _startMachine = MachineTicks.Read();
    }

    public static CpuWatch Start(IReadOnlyList<WatchedProcess> processes) => new(processes);

    public CpuReport Stop(TimeSpan wall)
    {
        var seconds = Math.Max(wall.TotalSeconds, 1e-9);
        var servers = _processes.Select((process, i) =>
        {
            var end = CpuTime(process.Pid);
            var (gc, jit) = ThreadTicks.GcAndJit(_startThreads[i], ThreadTicks.Read(process.Pid), seconds);
            return _startServer[i] is { } start && end is { } stop
                ? new ProcessCpu(process.Label, process.Pid, Round((stop - start).TotalSeconds), Round((stop - start).TotalSeconds / seconds * 100), gc, jit)
                : new ProcessCpu(process.Label, process.Pid, null, null, null, null);
        }).ToArray();
        var client = (ClientCpu() - _startClient).TotalSeconds;
        double? machine = _startMachine is { } before && MachineTicks.Read() is { } after && after.Total > before.Total
            ? Round((double)(after.Busy - before.Busy) / (after.Total - before.Total) * Environment.ProcessorCount * 100)
            : null;
        return new CpuReport(Round(wall.TotalSeconds), Environment.ProcessorCount, servers, Round(client), Round(client / seconds * 100), machine);
    }

    private static TimeSpan ClientCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static TimeSpan? CpuTime(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.TotalProcessorTime;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Gone, or not ours to read: the report says "unknown" rather than a made-up number.
            return null;
        }
    }

    private static double Round(double value) => Math.Round(value, 1);

    /// <summary>
    /// CPU ticks of each thread of a .NET process, from Linux's <c>/proc/PID/task/TID/stat</c>, with
    /// the thread's name: the runtime names its server-GC threads (".NET Server GC", ".NET BGC")
    /// and its tiered-JIT thread (".NET Tiered Com"), so a window's time in collections and in
    /// re-compiling hot code (a server not yet warm) can be told apart from the work itself.
    /// </summary>
    private readonly record struct ThreadTicks(string Name, long Ticks)
    {
        // USER_HZ: Linux reports thread times in hundredths of a second on every common configuration.
        private const double TicksPerSecond = 100;

        public static Dictionary<int, ThreadTicks>? Read(int pid)
        {
            var directory = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task";
            if (!Directory.Exists(directory))
            {
                return null;
            }

            var threads = new Dictionary<int, ThreadTicks>();
            foreach (var task in Directory.EnumerateDirectories(directory))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    var name = File.ReadAllText(Path.Combine(task, "comm")).Trim();

                    // The name in parentheses may hold spaces; the fields after it are fixed: utime and stime are the 12th and 13th.
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                    threads[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = new ThreadTicks(name, ticks);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
                {
                    // The thread ended while being read: it has nothing more to add.
                }
            }

            return threads;
        }

        /// <summary>
        /// Percent of one core in GC threads and in the tiered-JIT thread over the window. Threads
        /// that ended within the window are not seen, so these are lower bounds (the JIT's
        /// thread ends when it runs out of work).
        /// </summary>
        public static (double? Gc, double? Jit) GcAndJit(Dictionary<int, ThreadTicks>? start, Dictionary<int, ThreadTicks>? stop, double seconds)
        {
            if (start is null || stop is null)
            {
                return (null, null);
            }

            long gc = 0, jit = 0;
            foreach (var (id, thread) in stop)
            {
                var ticks = thread.Ticks - (start.TryGetValue(id, out var before) && before.Name == thread.Name ? before.Ticks : 0);
                if (thread.Name.StartsWith(".NET Server GC", StringComparison.Ordinal) || thread.Name.StartsWith(".NET BGC", StringComparison.Ordinal))
                {
                    gc += ticks;
                }
                else if (thread.Name.StartsWith(".NET Tiered Com", StringComparison.Ordinal))
                {
                    jit += ticks;
                }
            }

            return (Percent(gc), Percent(jit));

            double Percent(long ticks) => Round(ticks / TicksPerSecond / seconds * 100);
        }
    }

    /// <summary>The first line of Linux's <c>/proc/stat</c>: time all cores spent busy and in total, in clock ticks.</summary>
    private readonly record struct MachineTicks(long Busy, long Total)
    {
        public static MachineTicks? Read()
        {
            try
            {
                if (!File.Exists("/proc/stat"))
                {
                    return null;
                }

                using var reader = new StreamReader("/proc/stat");
                var fields = reader.ReadLine()?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields is not ["cpu", ..] || fields.Length < 8)
                {
                    return null;
                }

                // user nice system idle iowait irq softirq [steal]; guest time is already inside user.
                var ticks = fields.Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
                var idle = ticks[3] + ticks[4];
                return new MachineTicks(ticks.Sum() - idle, ticks.Sum());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
            {
                return null;
            }
        }
    }
}

/// <summary>
/// CPU seconds over the window; percent is of one core (200 % is both cores of a two-core
/// machine). <see cref="MachinePercentOfOneCore"/> is every program on the machine, ours included.
/// </summary>
public sealed record CpuReport(
    double WallSeconds,
    int ProcessorCount,
    IReadOnlyList<ProcessCpu> Servers,
    double ClientCpuSeconds,
    double ClientPercentOfOneCore,
    double? MachinePercentOfOneCore);

/// <summary>
/// One watched process over the window; <see cref="GcPercentOfOneCore"/> and
/// <see cref="JitPercentOfOneCore"/> are the part of it spent in its server-GC threads and in its
/// tiered-JIT thread (lower bounds; see <c>ThreadTicks</c>).
/// </summary>
public sealed record ProcessCpu(string Label, int Pid, double? CpuSeconds, double? PercentOfOneCore, double? GcPercentOfOneCore, double? JitPercentOfOneCore);
