namespace Dilemma.Tests.Hosting;

/// <summary>
/// The real clock moved on by <see cref="Shift"/>; its timers stay real, as a late reminder's are. <see cref="Hold"/> stops it
/// where it is, for rules measured in seconds that a loaded machine would otherwise cross between two messages.
/// </summary>
internal sealed class ShiftedClock : TimeProvider
{
    private DateTimeOffset? _heldAt;

    public TimeSpan Shift { get; set; }

    /// <summary>From now on the clock reads the same until <see cref="Shift"/> moves it.</summary>
    public void Hold() => _heldAt = System.GetUtcNow();

    public override DateTimeOffset GetUtcNow() => (_heldAt ?? System.GetUtcNow()) + Shift;
}
