using System.ComponentModel.DataAnnotations;

namespace Dilemma.Grains.Research;

/// <summary>How long research rows are kept (section <c>Research</c>); the README documents each setting. 0 keeps them.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Research";

    /// <summary>Days after a game ended (a closed room: after it was created) when all of its rows are removed; 0: never.</summary>
    [Range(0, 36_500)]
    public int RetentionDays { get; set; }

    /// <summary>
    /// The shorter period for the rows of people without data consent (never exported, kept only while a game may need
    /// them); 0: never. Bots' seats are kept: they are part of the game the others played.
    /// </summary>
    [Range(0, 36_500)]
    public int RetentionDaysWithoutConsent { get; set; }

    public bool Enabled => RetentionDays > 0 || RetentionDaysWithoutConsent > 0;
}
