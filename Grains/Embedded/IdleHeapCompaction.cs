using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dilemma.Grains.Embedded;

/// <summary>
/// Gives the memory of a burst back to the machine once embedded mode is idle again. The garbage collector keeps
/// the heaps a class's games grew it to (Server GC most of all), so without this a gateway's resident memory stays
/// at its busiest. When at least <c>Embedded:CompactAfterMegabytes</c> were allocated since the last compaction
/// and the process has then allocated next to nothing for <see cref="QuietSamples"/> samples, one aggressive,
/// blocking, compacting collection decommits what the heaps no longer hold, and the C library's heap gives back
/// what native code freed (<see cref="NativeHeapTrim"/>). Blocking is safe only because it is
/// idle (a pause of tens of milliseconds nobody waits on), and it runs at most once per <see cref="MinimumInterval"/>.
/// A sweep that dropped rooms or guests counts as such a burst (<see cref="Released"/>): what it let go is garbage
/// only from then on, often after the compaction that followed the games themselves. So do at least
/// <see cref="IdleCompactionPolicy.CollectedActivations"/> grain activations shut down (<see cref="ActivationShutdowns"/>):
/// Orleans collects a class's grains minutes after their games, and an idle process then allocates too little for
/// any collection to find their state gone.
/// Cluster silos do not run this: their memory is the container's, sized by Kubernetes.
/// </summary>
public sealed partial class IdleHeapCompaction(
    ActivationShutdowns shutdowns,
    IOptions<EmbeddedOptions> options,
    TimeProvider time,
    ILogger<IdleHeapCompaction> logger) : BackgroundService
{
    /// <summary>Reading the allocation counter is cheap, so it is read often: the compaction follows the work closely.</summary>
    public static readonly TimeSpan SamplePeriod = TimeSpan.FromSeconds(5);

    /// <summary>Quiet means below this many bytes allocated in one sample (0.8 MB/s: a scrape or a probe, not a class).</summary>
    public const long QuietBytesPerSample = 4 * 1024 * 1024;

    public const int QuietSamples = 2;

    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMinutes(1);

    private readonly IdleCompactionPolicy _policy = new(options.Value.CompactAfterBytes, time.GetUtcNow());

    /// <summary>Data was dropped: compact once idle, as after a burst, however little was allocated since the last compaction.</summary>
    public void Released() => _policy.Released();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.CompactAfterBytes <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(SamplePeriod, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (_policy.ShouldCompact(GC.GetTotalAllocatedBytes(), shutdowns.Count, time.GetUtcNow()))
            {
                var before = Environment.WorkingSet;
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                var trimmed = NativeHeapTrim.Trim();
                LogCompacted(logger, before / (1024 * 1024), Environment.WorkingSet / (1024 * 1024), GC.GetTotalMemory(forceFullCollection: false) / (1024 * 1024), trimmed, _policy.ShutDownBeforeCompaction);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Idle after a burst: compacted the heap, resident memory {BeforeMb} MB -> {AfterMb} MB ({LiveMb} MB live; native heap trimmed: {NativeTrimmed}; {ShutDown} grain activations shut down since the last compaction).")]
    private static partial void LogCompacted(ILogger logger, long beforeMb, long afterMb, long liveMb, bool nativeTrimmed, long shutDown);
}

/// <summary>
/// When <see cref="IdleHeapCompaction"/> compacts, from the process's allocation counter and its count of shut-down
/// activations, sampled every <see cref="IdleHeapCompaction.SamplePeriod"/>: after a burst of at least the threshold,
/// a release of data or the collection of many grains, once quiet, not too often.
/// </summary>
public sealed class IdleCompactionPolicy(long thresholdBytes, DateTimeOffset start)
{
    /// <summary>
    /// Shut-down activations since the last compaction that count as data dropped. The memory benchmark's 1,000-room runs
    /// hold about four a player, rooms included (up to 13,000), so a class of thirty (about 130) stays well below it.
    /// </summary>
    public const long CollectedActivations = 1000;

    // Set by the sweep's thread, read and cleared by the sampler's.
    private int _released;
    private long? _lastAllocated;
    private long _sinceCompaction;
    private long? _shutdownsAtCompaction;
    private int _quiet;
    private DateTimeOffset _lastCompaction = start - IdleHeapCompaction.MinimumInterval;

    /// <summary>The activations shut down from the compaction before the last one up to the last one (for its log line).</summary>
    public long ShutDownBeforeCompaction { get; private set; }

    /// <summary>Data was dropped: the next quiet spell compacts, as after a burst of the threshold.</summary>
    public void Released() => Interlocked.Exchange(ref _released, 1);

    /// <summary>
    /// Takes one sample of <see cref="GC.GetTotalAllocatedBytes"/> and of <see cref="ActivationShutdowns.Count"/>;
    /// true when the heap should be compacted now.
    /// </summary>
    public bool ShouldCompact(long allocatedBytes, long activationsShutDown, DateTimeOffset now)
    {
        var allocated = allocatedBytes - (_lastAllocated ?? allocatedBytes);
        _lastAllocated = allocatedBytes;
        _sinceCompaction += allocated;
        _shutdownsAtCompaction ??= activationsShutDown;
        var shutDownSinceCompaction = activationsShutDown - _shutdownsAtCompaction.Value;
        if (Interlocked.Exchange(ref _released, 0) == 1 || shutDownSinceCompaction >= CollectedActivations)
        {
            _sinceCompaction = Math.Max(_sinceCompaction, thresholdBytes);
        }

        _quiet = allocated < IdleHeapCompaction.QuietBytesPerSample ? _quiet + 1 : 0;
        if (_sinceCompaction < thresholdBytes || _quiet < IdleHeapCompaction.QuietSamples || now - _lastCompaction < IdleHeapCompaction.MinimumInterval)
        {
            return false;
        }

        _sinceCompaction = 0;
        ShutDownBeforeCompaction = shutDownSinceCompaction;
        _shutdownsAtCompaction = activationsShutDown;
        _quiet = 0;
        _lastCompaction = now;
        return true;
    }
}
