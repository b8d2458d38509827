namespace Dilemma.Tests.Hosting;

/// <summary>The real clock moved on by <see cref="Shift"/>; its timers stay real, as a late reminder's are.</summary>
internal sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Shift { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Shift;
}
