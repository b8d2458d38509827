using System.Collections.Frozen;
using Dilemma.Grains.Interfaces.Errors;

namespace Dilemma.Grains.Interfaces.Consent;

/// <summary>
/// The consent texts participants agree to, one per version and language, shipped as files inside
/// this assembly (<c>Consent/Texts/{version}.{language}.md</c>) so that a version, once published,
/// reads the same from every gateway and silo. A new text is a new file with a newer version; an
/// old one is never edited, since consent rows point at it. Versions are <c>YYYY-MM</c>, so the
/// newest sorts last.
/// </summary>
public static class ConsentTexts
{
    /// <summary>The languages every version is written in.</summary>
    public static IReadOnlyList<string> Languages { get; } = ["ko", "en"];

    /// <summary>
    /// The version recorded for a consent given with the legacy booleans and no <c>consent_version</c>:
    /// the client showed some text, but not one this server can name.
    /// </summary>
    public const string Unversioned = "unversioned";

    /// <summary>The version of consents brought over from the original system, given under its own terms.</summary>
    public const string Legacy = "legacy";

    private const string ResourcePrefix = "Dilemma.Consent.";

    private static readonly FrozenDictionary<string, FrozenDictionary<string, string>> Versions = Load();

    /// <summary>The newest version: the one to show to someone asked to consent now.</summary>
    public static string Current { get; } = Versions.Keys.Order(StringComparer.Ordinal).Last();

    /// <summary>Every published version, oldest first.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Versions.Keys.Order(StringComparer.Ordinal)];

    public static bool IsPublished(string? version) => version is not null && Versions.ContainsKey(version);

    /// <summary>
    /// Refuses a version that was never published, 422 <c>unknown_consent_version</c> naming <c>consent_version</c>, with
    /// <paramref name="expected"/> saying which one the caller should have sent; no version at all passes.
    /// </summary>
    public static void EnsurePublishedIfGiven(string? version, string expected)
    {
        if (version is not null && !IsPublished(version))
        {
            throw RuleViolationException.Invalid("unknown_consent_version", "consent_version", $"'{version}' is not a published consent text version; {expected} (GET /consent).");
        }
    }

    /// <summary>The texts of a version by language, or null when no such version was published.</summary>
    public static IReadOnlyDictionary<string, string>? Find(string version) => Versions.GetValueOrDefault(version);

    private static FrozenDictionary<string, FrozenDictionary<string, string>> Load()
    {
        var assembly = typeof(ConsentTexts).Assembly;
        var texts = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            // Dilemma.Consent.2026-12.en.md → version 2026-12, language en.
            var parts = name[ResourcePrefix.Length..].Split('.');
            if (parts is not [var version, var language, "md"])
            {
                throw new InvalidOperationException($"Consent text resource '{name}' is not named {{version}}.{{language}}.md.");
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            (texts.TryGetValue(version, out var byLanguage) ? byLanguage : texts[version] = new(StringComparer.Ordinal))[language] = reader.ReadToEnd();
        }

        // A version missing a language would show some participants nothing: refuse to start instead.
        foreach (var (version, byLanguage) in texts)
        {
            if (Languages.FirstOrDefault(l => !byLanguage.ContainsKey(l)) is { } missing)
            {
                throw new InvalidOperationException($"Consent text {version} has no '{missing}' version.");
            }
        }

        return texts.Count == 0
            ? throw new InvalidOperationException($"No consent texts are embedded in {assembly.GetName().Name}.")
            : texts.ToFrozenDictionary(v => v.Key, v => v.Value.ToFrozenDictionary(StringComparer.Ordinal), StringComparer.Ordinal);
    }
}
