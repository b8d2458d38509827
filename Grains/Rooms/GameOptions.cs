using System.ComponentModel.DataAnnotations;

namespace Dilemma.Grains.Rooms;

/// <summary>How a game under way treats participants who lose their connection, and how many a session seats (section <c>Game</c>); the README documents each setting.</summary>
public sealed class GameOptions
{
    public const string SectionName = "Game";

    /// <summary>
    /// How long a participant of a started game whose last signaling or voice socket closed may
    /// come back before they are dropped (the room's <c>on_dropout</c> policy then applies).
    /// </summary>
    [Range(1, 3600)]
    public int ReconnectGraceSeconds { get; set; } = 60;

    public TimeSpan ReconnectGrace => TimeSpan.FromSeconds(ReconnectGraceSeconds);

    /// <summary>
    /// Participants one session enrols at most. The join code is shown to the whole class, and guest sign-in is cheap: without
    /// a bound, one student signing in guests in a loop grows the session's stored state (rewritten whole on every enrolment)
    /// and the rooms its start opens in one call without end.
    /// </summary>
    [Range(3, 100_000)]
    public int MaxSessionParticipants { get; set; } = 600;
}
