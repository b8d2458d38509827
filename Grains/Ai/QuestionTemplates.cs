using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;

namespace Dilemma.Grains.Ai;

/// <summary>
/// The offline facilitator's curated questions (<c>Grains/Ai/Templates/questions.v1.json</c>): for each
/// bank topic, round and role a question that goes past the scenario's own; for each role, plain
/// questions that fit any dilemma and questions about one option (<c>{option}</c>). Checked in full
/// when loaded: a missing role, round or language stops the silo at start-up.
/// </summary>
public sealed class QuestionTemplates
{
    public const string OptionPlaceholder = "{option}";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private static readonly Lazy<QuestionTemplates> Embedded = new(() => Load(ReadEmbedded()));

    private readonly TemplateFile _file;

    private QuestionTemplates(TemplateFile file)
    {
        _file = file;
    }

    /// <summary>The version of the curated set, reported as the offline answers' prompt version.</summary>
    public string Version => _file.Version;

    public IEnumerable<string> Topics => _file.Topics.Keys;

    public static QuestionTemplates LoadEmbedded() => Embedded.Value;

    /// <summary>The curated question for a bank topic's round and role, or null for a topic without one.</summary>
    public LocalizedText? Curated(string topic, int roundNumber, int roleId) =>
        _file.Topics.TryGetValue(topic, out var rounds) && roundNumber >= 1 && roundNumber <= rounds.Count
            ? rounds[roundNumber - 1][Key(roleId)]
            : null;

    /// <summary>A plain question for the role that fits any dilemma, rotating with the round.</summary>
    public LocalizedText Plain(int roleId, int roundNumber)
    {
        var plain = _file.Roles[Key(roleId)].Plain;
        return plain[(roundNumber - 1) % plain.Count];
    }

    /// <summary>A question about one option, from the role's point of view.</summary>
    public LocalizedText AboutOption(int roleId, int roundNumber, LocalizedText option)
    {
        var templates = _file.Roles[Key(roleId)].Options;
        var template = templates[(roundNumber - 1) % templates.Count];
        return new LocalizedText(
            template.Ko.Replace(OptionPlaceholder, option.Ko, StringComparison.Ordinal),
            template.En.Replace(OptionPlaceholder, option.En, StringComparison.Ordinal));
    }

    internal static QuestionTemplates Load(string json)
    {
        var file = JsonSerializer.Deserialize<TemplateFile>(json, Options) ?? throw new InvalidOperationException("The question templates are JSON null.");
        var problems = new List<string>();
        var roles = Enumerable.Range(RoomRules.MinRole, RoomRules.MaxRole).Select(Key).ToArray();
        foreach (var role in roles)
        {
            if (!file.Roles.TryGetValue(role, out var templates))
            {
                problems.Add($"roles.{role} is missing");
                continue;
            }

            Check(templates.Plain, $"roles.{role}.plain", problems);
            Check(templates.Options, $"roles.{role}.options", problems);
            problems.AddRange(templates.Options
                .Where(t => !t.Ko.Contains(OptionPlaceholder, StringComparison.Ordinal) || !t.En.Contains(OptionPlaceholder, StringComparison.Ordinal))
                .Select(t => $"roles.{role}.options: \"{t.En}\" lacks {OptionPlaceholder} in one language"));
        }

        foreach (var (topic, rounds) in file.Topics)
        {
            if (rounds.Count != RoomRules.Rounds)
            {
                problems.Add($"topics.{topic} has {rounds.Count} rounds, not {RoomRules.Rounds}");
            }

            for (var i = 0; i < rounds.Count; i++)
            {
                if (!rounds[i].Keys.Order(StringComparer.Ordinal).SequenceEqual(roles))
                {
                    problems.Add($"topics.{topic}[{i}] must have exactly the roles 1, 2 and 3");
                }

                Check(rounds[i].Values.ToList(), $"topics.{topic}[{i}]", problems);
            }
        }

        return problems.Count == 0
            ? new QuestionTemplates(file)
            : throw new InvalidOperationException($"The question templates are invalid: {string.Join("; ", problems)}.");
    }

    private static void Check(IReadOnlyList<LocalizedText?> texts, string path, List<string> problems)
    {
        if (texts.Count == 0)
        {
            problems.Add($"{path} is empty");
        }

        problems.AddRange(texts.Where(t => t is null || string.IsNullOrWhiteSpace(t.Ko) || string.IsNullOrWhiteSpace(t.En)).Select(_ => $"{path} has a text without both ko and en"));
    }

    private static string Key(int roleId) => roleId.ToString(CultureInfo.InvariantCulture);

    private static string ReadEmbedded()
    {
        using var stream = typeof(QuestionTemplates).Assembly.GetManifestResourceStream("AiTemplates/questions.v1.json")
            ?? throw new InvalidOperationException("The question templates are missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private sealed record TemplateFile(string Version, Dictionary<string, RoleTemplates> Roles, Dictionary<string, List<Dictionary<string, LocalizedText>>> Topics);

    private sealed record RoleTemplates(List<LocalizedText> Plain, List<LocalizedText> Options);
}
