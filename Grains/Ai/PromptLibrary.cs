using System.Text;
using System.Text.RegularExpressions;
using Dilemma.Grains.Interfaces.Ai;

namespace Dilemma.Grains.Ai;

/// <summary>
/// The prompts the LLM is sent, kept as text files in the repository (<c>Grains/Ai/Prompts/&lt;version&gt;/&lt;language&gt;/</c>)
/// and compiled into this assembly. A new wording is a new version folder, so an answer's
/// <c>prompt_version</c> says exactly which text produced it. Every purpose must exist in every
/// language, or the silo does not start.
/// </summary>
public sealed partial class PromptLibrary
{
    /// <summary>The version the facilitator sends.</summary>
    public const string CurrentVersion = "v1";

    public const string Scenario = "scenario";
    public const string Questions = "questions";
    public const string Feedback = "feedback";
    public const string Bot = "bot";

    private const string ResourcePrefix = "AiPrompts/";

    private static readonly string[] Purposes = [Scenario, Questions, Feedback, Bot];
    private static readonly string[] Languages = [AiRules.Korean, AiRules.English];
    private static readonly Lazy<PromptLibrary> Embedded = new(() => new PromptLibrary(ReadEmbedded()));

    private readonly Dictionary<string, string> _texts;

    private PromptLibrary(Dictionary<string, string> texts)
    {
        var missing = Purposes
            .SelectMany(purpose => Languages.SelectMany(language => new[] { Key(CurrentVersion, language, purpose, "system"), Key(CurrentVersion, language, purpose, "user") }))
            .Where(key => !texts.ContainsKey(key))
            .ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"Prompt files are missing from the build: {string.Join(", ", missing)}.");
        }

        _texts = texts;
    }

    public static PromptLibrary LoadEmbedded() => Embedded.Value;

    /// <summary>The system and user messages for a purpose, in "ko" or "en", with <c>{{name}}</c> placeholders filled.</summary>
    public Prompt Render(string purpose, string language, IReadOnlyDictionary<string, string> values)
    {
        language = AiRules.PromptLanguage(language);
        return new Prompt(
            Fill(_texts[Key(CurrentVersion, language, purpose, "system")], values),
            Fill(_texts[Key(CurrentVersion, language, purpose, "user")], values),
            $"{CurrentVersion}/{language}/{purpose}");
    }

    private static string Fill(string template, IReadOnlyDictionary<string, string> values) =>
        Placeholder().Replace(template, match => values.TryGetValue(match.Groups[1].Value, out var value)
            ? value
            : throw new InvalidOperationException($"The prompt needs a value for {{{{{match.Groups[1].Value}}}}}."));

    [GeneratedRegex(@"\{\{([a-z_]+)\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

    private static string Key(string version, string language, string purpose, string part) => $"{version}/{language}/{purpose}.{part}";

    private static Dictionary<string, string> ReadEmbedded()
    {
        var assembly = typeof(PromptLibrary).Assembly;
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"The embedded resource {resource} vanished while it was being read.");
            using var reader = new StreamReader(stream, Encoding.UTF8);

            // "AiPrompts/v1/en/scenario.system.txt" → "v1/en/scenario.system"; Windows builds write '\' in RecursiveDir.
            var name = resource[ResourcePrefix.Length..].Replace('\\', '/');
            texts[name[..^".txt".Length]] = reader.ReadToEnd().Trim();
        }

        return texts;
    }
}

/// <summary>The two messages sent, and the version of the files they came from (e.g. <c>v1/en/scenario</c>).</summary>
public sealed record Prompt(string System, string User, string Version);
