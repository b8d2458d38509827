using Dilemma.Grains.Embedded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dilemma.Tests.Hosting;

/// <summary>
/// When embedded mode gives a burst's memory back (issue 18, item 4): after at least the threshold was allocated,
/// data was released or many grains were collected, once two samples in a row were quiet, at most once a minute.
/// Samples are the process's allocation counter and its count of shut-down activations.
/// </summary>
public sealed class IdleCompactionPolicyTests
{
    private const long Mb = 1024 * 1024;
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 14, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Sample = IdleHeapCompaction.SamplePeriod;

    [Fact]
    public void A_burst_is_followed_by_one_compaction_once_two_samples_in_a_row_are_quiet()
    {
        var samples = new Samples(new IdleCompactionPolicy(32 * Mb, Start));

        Assert.False(samples.Next(0));
        Assert.False(samples.Next(200 * Mb)); // busy
        Assert.False(samples.Next(100 * Mb)); // busy
        Assert.False(samples.Next(1 * Mb));   // quiet once
        Assert.True(samples.Next(1 * Mb));    // quiet twice: compact
        for (var i = 0; i < 30; i++)
        {
            Assert.False(samples.Next(1 * Mb)); // idle ever after: nothing new to give back
        }
    }

    [Fact]
    public void Less_than_the_threshold_since_the_last_compaction_never_compacts()
    {
        var samples = new Samples(new IdleCompactionPolicy(32 * Mb, Start));

        Assert.False(samples.Next(0));
        Assert.False(samples.Next(10 * Mb));
        for (var i = 0; i < 5; i++)
        {
            Assert.False(samples.Next(3 * Mb));
        }
    }

    [Fact]
    public void Work_that_goes_on_waits_and_a_second_burst_within_a_minute_waits_for_the_minute()
    {
        var samples = new Samples(new IdleCompactionPolicy(32 * Mb, Start));
        Assert.False(samples.Next(0));
        Assert.False(samples.Next(100 * Mb));
        Assert.False(samples.Next(1 * Mb));
        Assert.False(samples.Next(50 * Mb)); // busy again: the quiet spell starts over
        Assert.False(samples.Next(1 * Mb));
        Assert.True(samples.Next(1 * Mb)); // compacted at 30 s

        Assert.False(samples.Next(100 * Mb));
        Assert.False(samples.Next(1 * Mb));
        Assert.False(samples.Next(1 * Mb)); // quiet at 45 s, but the last compaction was 15 s ago
        samples.QuietUntil(IdleHeapCompaction.MinimumInterval + TimeSpan.FromSeconds(30));

        Assert.True(samples.Next(1 * Mb)); // a minute after the last one, still quiet: the second burst is given back
    }

    [Fact]
    public void Data_dropped_after_a_compaction_is_given_back_at_the_next_quiet_spell_a_minute_on()
    {
        var samples = new Samples(new IdleCompactionPolicy(32 * Mb, Start));
        samples.BurstThenCompaction(); // the games'

        samples.Policy.Released(); // then the sweep drops their rooms: garbage only now, with next to nothing allocated
        samples.QuietUntil(samples.Elapsed + IdleHeapCompaction.MinimumInterval);
        Assert.True(samples.Next(1 * Mb));
        samples.QuietUntil(samples.Elapsed + TimeSpan.FromMinutes(2)); // once: the quiet samples add up to less than the threshold
    }

    [Fact]
    public void Grains_collected_after_a_compaction_are_given_back_at_the_next_quiet_spell_a_minute_on()
    {
        var samples = new Samples(new IdleCompactionPolicy(32 * Mb, Start));
        samples.BurstThenCompaction(); // the games', while their grains are still active
        var compactedAt = samples.Elapsed;

        // Orleans collects them later, bit by bit; the process allocates next to nothing meanwhile.
        for (var collected = 0L; collected < IdleCompactionPolicy.CollectedActivations; collected += 250)
        {
            Assert.False(samples.Next(1 * Mb, activationsShutDown: 250));
        }

        samples.QuietUntil(compactedAt + IdleHeapCompaction.MinimumInterval);
        Assert.True(samples.Next(1 * Mb));
        samples.QuietUntil(samples.Elapsed + TimeSpan.FromMinutes(2)); // once: nothing was collected since
    }

    [Fact]
    public void Fewer_grains_collected_than_the_threshold_do_not_compact()
    {
        var samples = new Samples(new IdleCompactionPolicy(32 * Mb, Start));
        samples.BurstThenCompaction();

        Assert.False(samples.Next(1 * Mb, activationsShutDown: IdleCompactionPolicy.CollectedActivations - 1));
        samples.QuietUntil(samples.Elapsed + TimeSpan.FromMinutes(2)); // the quiet samples add up to less than the threshold
    }

    [Fact]
    public async Task Embedded_mode_runs_the_compaction_with_a_threshold_that_can_turn_it_off()
    {
        await using var off = new GatewayFactory(new Dictionary<string, string?> { ["Embedded:CompactAfterMegabytes"] = "0" });
        Assert.Single(off.Services.GetServices<IHostedService>().OfType<IdleHeapCompaction>());
        Assert.Same(off.Services.GetRequiredService<IdleHeapCompaction>(), off.Services.GetServices<IHostedService>().OfType<IdleHeapCompaction>().Single());
        Assert.Equal(0, off.Services.GetRequiredService<IOptions<EmbeddedOptions>>().Value.CompactAfterBytes);
    }

    /// <summary>
    /// Feeds the policy a running allocation counter and count of shut-down activations, one sample every
    /// <see cref="IdleHeapCompaction.SamplePeriod"/>.
    /// </summary>
    private sealed class Samples(IdleCompactionPolicy policy)
    {
        private long _allocated;
        private long _shutDown;
        private int _taken;

        public IdleCompactionPolicy Policy => policy;

        public TimeSpan Elapsed => Sample * _taken;

        public bool Next(long allocatedInSample, long activationsShutDown = 0)
        {
            _allocated += allocatedInSample;
            _shutDown += activationsShutDown;
            _taken++;
            return policy.ShouldCompact(_allocated, _shutDown, Start + Elapsed);
        }

        /// <summary>The first sample (which only reads the counters), a burst, and the compaction once quiet.</summary>
        public void BurstThenCompaction()
        {
            Assert.False(Next(0));
            Assert.False(Next(200 * Mb));
            Assert.False(Next(1 * Mb));
            Assert.True(Next(1 * Mb));
        }

        /// <summary>Quiet samples, none of which compacts, up to the last one before <paramref name="until"/>.</summary>
        public void QuietUntil(TimeSpan until)
        {
            while (Elapsed + Sample < until)
            {
                Assert.False(Next(1 * Mb));
            }
        }
    }
}
