using System.ComponentModel.DataAnnotations;

namespace Dilemma.Grains.Rooms;

/// <summary>How long rooms wait (section <c>Rooms</c>); the README documents each setting.</summary>
public sealed class RoomOptions
{
    public const string SectionName = "Rooms";

    /// <summary>A waiting room with no signaling or voice socket open for this long is closed and unlisted.</summary>
    [Range(1, 7 * 24 * 3600)]
    public int AbandonedAfterSeconds { get; set; } = 30 * 60;

    /// <summary>
    /// How often a waiting room checks whether it was abandoned, and how often each silo sweeps the
    /// waiting rooms older than <see cref="AbandonedAfterSeconds"/> (those whose activation was lost).
    /// </summary>
    [Range(1, 3600)]
    public int SweepSeconds { get; set; } = 60;

    /// <summary>
    /// A started game nobody has had a socket open to, and nothing was recorded in, for this long is ended by the server
    /// (finished early, no actor): a game everyone walked away from would otherwise stay "started" for good, and while it
    /// does its players cannot withdraw their data and retention never reaches it. Longer than a break in a lesson.
    /// </summary>
    [Range(1, 30 * 24 * 3600)]
    public int LeftGameEndsAfterSeconds { get; set; } = 24 * 3600;

    public TimeSpan AbandonedAfter => TimeSpan.FromSeconds(AbandonedAfterSeconds);

    public TimeSpan LeftGameEndsAfter => TimeSpan.FromSeconds(LeftGameEndsAfterSeconds);

    public TimeSpan SweepPeriod => TimeSpan.FromSeconds(SweepSeconds);
}
