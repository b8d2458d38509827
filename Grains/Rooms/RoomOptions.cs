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

    public TimeSpan AbandonedAfter => TimeSpan.FromSeconds(AbandonedAfterSeconds);

    public TimeSpan SweepPeriod => TimeSpan.FromSeconds(SweepSeconds);
}
