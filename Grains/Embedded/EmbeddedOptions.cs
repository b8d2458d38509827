using System.ComponentModel.DataAnnotations;

namespace Dilemma.Grains.Embedded;

/// <summary>What embedded mode keeps in process memory (section <c>Embedded</c>); the README documents each setting.</summary>
public sealed class EmbeddedOptions
{
    public const string SectionName = "Embedded";

    /// <summary>
    /// Ended rooms kept (finished games, rooms closed without one, and games left unfinished for
    /// <c>Rooms:AbandonedAfterSeconds</c>), newest first: the rows and the room state of older ones are dropped at
    /// the next sweep, so a long-running embedded gateway stays bounded.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxFinishedGames { get; set; } = 1000;

    /// <summary>
    /// Guest accounts kept (bots included). Beyond it the sweep forgets guests, least recently signed in first, who sit in
    /// no room the process still holds and whose access token has expired: their account, refresh tokens and consent rows.
    /// Such a guest signing in again, with the same guest id or not, starts a new account.
    /// </summary>
    [Range(0, 10_000_000)]
    public int MaxGuests { get; set; } = 10_000;

    /// <summary>How often the in-memory stores drop what has expired or is beyond <see cref="MaxFinishedGames"/> and <see cref="MaxGuests"/>.</summary>
    [Range(1, 3600)]
    public int SweepSeconds { get; set; } = 60;

    /// <summary>
    /// Once this many megabytes were allocated since the last compaction and the process is idle again, the heap is
    /// compacted and what it no longer holds goes back to the machine (<see cref="IdleHeapCompaction"/>); 0 turns it off.
    /// </summary>
    [Range(0, 1_000_000)]
    public int CompactAfterMegabytes { get; set; } = 32;

    public long CompactAfterBytes => CompactAfterMegabytes * 1024L * 1024L;

    public TimeSpan SweepPeriod => TimeSpan.FromSeconds(SweepSeconds);
}
