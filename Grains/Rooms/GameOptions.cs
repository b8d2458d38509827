using System.ComponentModel.DataAnnotations;

namespace Dilemma.Grains.Rooms;

/// <summary>How a game under way treats participants who lose their connection (section <c>Game</c>); the README documents each setting.</summary>
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
}
