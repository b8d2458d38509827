using System.ComponentModel.DataAnnotations;
using Dilemma.Hosting.Settings;

namespace Dilemma.Grains.Research;

/// <summary>Whether and how the export replaces user ids by pseudonyms (section <c>Research</c>); the README documents each setting.</summary>
public sealed class PseudonymOptions
{
    public const string SectionName = "Research";

    public const int KeyMinLength = 32;

    /// <summary>True (the default): every user id in every sheet is replaced by its pseudonym for the export's study.</summary>
    public bool Pseudonymise { get; set; } = true;

    /// <summary>
    /// The secret the per-study keys are derived from (at least 32 characters, from the environment). Required in cluster
    /// mode while <see cref="Pseudonymise"/> is on: every silo must give the same pseudonyms. Embedded mode makes one per process.
    /// </summary>
    [MinLength(KeyMinLength)]
    [NotExamplePlaceholder]
    public string? PseudonymKey { get; set; }

    public override string ToString() => $"PseudonymOptions {{ Pseudonymise = {Pseudonymise}, PseudonymKey = *** }}";
}
