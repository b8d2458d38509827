namespace Dilemma.Grains.Interfaces.Rooms;

/// <summary>
/// What a room does when a participant of a started game is dropped (their grace period ran out,
/// or they left): the <c>on_dropout</c> given at creation.
/// </summary>
public static class DropoutPolicy
{
    /// <summary>The room pauses (no choices, no consensus) until the participant returns or the host removes them or ends the game.</summary>
    public const string Wait = "wait";

    /// <summary>The game goes on with those still present; the dropped participant's later rounds are recorded <c>absent</c>.</summary>
    public const string Continue = "continue";

    /// <summary>A bot takes the dropped participant's seat and role, and chooses for it from then on.</summary>
    public const string Bot = "bot";

    public const string Default = Continue;

    public static readonly IReadOnlyList<string> All = [Wait, Continue, Bot];

    public static bool IsKnown(string? policy) => policy is not null && All.Contains(policy);
}

/// <summary>The words of a participant's <c>presence</c> in a room snapshot.</summary>
public static class ParticipantPresence
{
    /// <summary>Seated and not known to be gone (a socket is open, or none was ever opened).</summary>
    public const string Present = "present";

    /// <summary>Their last socket closed; the grace period runs.</summary>
    public const string Reconnecting = "reconnecting";

    /// <summary>The grace period ran out, or they left the started game; they may still return.</summary>
    public const string Dropped = "dropped";

    /// <summary>The host took the seat out of the game; the seat stays in the data, its user cannot return.</summary>
    public const string Removed = "removed";
}
