using Dilemma.Grains.Accounts;

namespace Dilemma.Grains.Research;

/// <summary>
/// Which consent grant covers a seat: the one in force when the seat was taken, or, when none was (never given yet, or
/// withdrawn then), the first grant after it (the one that brought the seat's data into research). The user's row holds only
/// the latest grant: a participant who consented again under a newer text for a later session would otherwise have their
/// earlier sessions' rows exported under a text, and at a time, that did not exist when they played. The MySQL export applies
/// the same rule in SQL (<see cref="MySqlResearchExportSource"/>); this is the in-memory one.
/// </summary>
public static class ConsentAtSeat
{
    /// <summary>
    /// The version and time of the <paramref name="kind"/> grant covering a seat taken at <paramref name="seatTakenAt"/>, from the
    /// user's consent rows oldest first; the user's current grant (<paramref name="current"/>) when no row names one (a consent
    /// given before consent rows were kept, or imported with the original system's data).
    /// </summary>
    public static (string? Version, DateTime? At) Covering(IReadOnlyList<ConsentRow> rows, string kind, DateTime seatTakenAt, (string? Version, DateTime? At) current)
    {
        ArgumentNullException.ThrowIfNull(rows);

        // The current grant was already held at the seat and, being current, never withdrawn since: no history to read.
        if (current.At is not { } currentAt || currentAt <= seatTakenAt)
        {
            return current;
        }

        var inForce = rows.LastOrDefault(r => r.Kind == kind && r.At <= seatTakenAt);
        var covering = inForce is { Granted: true } ? inForce : rows.FirstOrDefault(r => r.Kind == kind && r.Granted && r.At > seatTakenAt);
        return covering is null ? current : (covering.Version, covering.At);
    }
}
