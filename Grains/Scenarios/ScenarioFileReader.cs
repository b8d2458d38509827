using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;

namespace Dilemma.Grains.Scenarios;

/// <summary>
/// Reads one bank file into a <see cref="Scenario"/> and reports every rule it breaks, not just the
/// first, so that an author sees all of a file's problems at once.
/// </summary>
internal static partial class ScenarioFileReader
{
    public const int MaxKeyLength = RoomRules.TopicMaxLength;
    public const int MinOptions = 2;
    public const int MaxOptions = RoomRules.MaxChoice - RoomRules.MinChoice + 1;

    private static readonly int[] RoleIds = [.. Enumerable.Range(RoomRules.MinRole, RoomRules.MaxRole - RoomRules.MinRole + 1)];

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // A misspelt field ("dilema") would otherwise vanish and surface as a confusing "missing text".
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        // A role or field written twice would otherwise keep the last copy without a word.
        AllowDuplicateProperties = false,
    };

    /// <summary>Lower-case ASCII letters, digits and hyphens: safe in a URL path, a log line and a file name.</summary>
    [GeneratedRegex(@"^[a-z0-9-]+\z", RegexOptions.CultureInvariant)]
    public static partial Regex KeyPattern();

    public static bool IsKey(string? value) => value is { Length: > 0 and <= MaxKeyLength } && KeyPattern().IsMatch(value);

    /// <returns>The scenario, or null when the file broke a rule (each added to <paramref name="violations"/>).</returns>
    public static Scenario? Read(string file, ReadOnlySpan<byte> utf8, string version, List<ScenarioBankViolation> violations)
    {
        // Editors on Windows like to add a byte-order mark, which the JSON reader refuses.
        if (utf8.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        ScenarioFile? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<ScenarioFile>(utf8, Options);
        }
        catch (JsonException e)
        {
            violations.Add(new ScenarioBankViolation(file, ScenarioBankRules.Json, e.Message));
            return null;
        }

        if (parsed is null)
        {
            violations.Add(new ScenarioBankViolation(file, ScenarioBankRules.Json, "The file holds JSON null instead of a scenario."));
            return null;
        }

        var check = new FileCheck(file, violations);
        var before = violations.Count;
        var scenario = new Scenario(
            check.Key(parsed.Id, "id", ScenarioBankRules.Id),
            check.Key(parsed.Topic, "topic", ScenarioBankRules.Topic),
            check.Text(parsed.Title, "title"),
            check.Text(parsed.Summary, "summary"),
            check.Rounds(parsed.Rounds),
            version,
            ScenarioBank.SourceName);
        return violations.Count == before ? scenario : null;
    }

    private sealed class FileCheck(string file, List<ScenarioBankViolation> violations)
    {
        public string Key(string? value, string field, string rule)
        {
            if (!IsKey(value))
            {
                var found = value is null ? "missing" : $"\"{value}\"";
                Fail(rule, $"{field} is {found}; it must be 1 to {MaxKeyLength} characters of a-z, 0-9 and '-'.");
            }

            return value ?? string.Empty;
        }

        public LocalizedText Text(TextFile? text, string path)
        {
            if (text is null)
            {
                Fail(ScenarioBankRules.Text, $"{path} is missing; it needs both ko and en.");
                return new LocalizedText(string.Empty, string.Empty);
            }

            if (string.IsNullOrWhiteSpace(text.Ko))
            {
                Fail(ScenarioBankRules.Text, $"{path}.ko is missing or empty.");
            }

            if (string.IsNullOrWhiteSpace(text.En))
            {
                Fail(ScenarioBankRules.Text, $"{path}.en is missing or empty.");
            }

            return new LocalizedText(text.Ko ?? string.Empty, text.En ?? string.Empty);
        }

        public ScenarioRound[] Rounds(IReadOnlyList<RoundFile?>? rounds)
        {
            rounds ??= [];
            if (rounds.Count != RoomRules.Rounds)
            {
                Fail(ScenarioBankRules.RoundCount, $"rounds has {rounds.Count} round(s); a scenario has exactly {RoomRules.Rounds}.");
            }

            return rounds.Select(Round).OfType<ScenarioRound>().ToArray();
        }

        private ScenarioRound? Round(RoundFile? round, int index)
        {
            var path = $"rounds[{index}]";
            if (round is null)
            {
                Fail(ScenarioBankRules.Json, $"{path} is null instead of a round.");
                return null;
            }

            var number = index + 1;
            if (round.RoundNumber != number)
            {
                var found = round.RoundNumber?.ToString(CultureInfo.InvariantCulture) ?? "missing";
                Fail(ScenarioBankRules.RoundNumber, $"{path}.round_number is {found}; rounds are numbered 1 to {RoomRules.Rounds} in order, so it must be {number}.");
            }

            var options = round.Options ?? [];
            if (options.Count is < MinOptions or > MaxOptions)
            {
                Fail(ScenarioBankRules.OptionCount, $"{path}.options has {options.Count} option(s); a round has {MinOptions} to {MaxOptions}.");
            }

            return new ScenarioRound(
                number,
                Text(round.Title, $"{path}.title"),
                Text(round.Dilemma, $"{path}.dilemma"),
                options.Select((option, i) => Text(option, $"{path}.options[{i}]")).ToArray(),
                Roles(round.RoleContexts, $"{path}.role_contexts"));
        }

        private Dictionary<int, RoleContext> Roles(IReadOnlyDictionary<string, RoleFile?>? roles, string path)
        {
            roles ??= new Dictionary<string, RoleFile?>();
            var keys = RoleIds.Select(id => id.ToString(CultureInfo.InvariantCulture)).ToArray();
            var missing = keys.Where(key => !roles.ContainsKey(key)).ToArray();
            var unknown = roles.Keys.Where(key => !keys.Contains(key)).ToArray();
            if (missing.Length > 0 || unknown.Length > 0)
            {
                var problems = missing.Select(key => $"role {key} is missing").Concat(unknown.Select(key => $"\"{key}\" is not a role"));
                Fail(ScenarioBankRules.Roles, $"{path} must have exactly the roles 1, 2 and 3: {string.Join(", ", problems)}.");
            }

            var result = new Dictionary<int, RoleContext>();
            foreach (var roleId in RoleIds)
            {
                var key = roleId.ToString(CultureInfo.InvariantCulture);
                if (!roles.TryGetValue(key, out var role))
                {
                    continue;
                }

                if (role is null)
                {
                    Fail(ScenarioBankRules.Roles, $"{path}.{key} is null instead of a context and a question.");
                    continue;
                }

                result[roleId] = new RoleContext(Text(role.Context, $"{path}.{key}.context"), Text(role.Question, $"{path}.{key}.question"));
            }

            return result;
        }

        private void Fail(string rule, string detail) => violations.Add(new ScenarioBankViolation(file, rule, detail));
    }

    // The file's shape. Every member is nullable so that a missing one is reported by name
    // rather than defaulted by the deserializer.
    private sealed record ScenarioFile(string? Id, string? Topic, TextFile? Title, TextFile? Summary, IReadOnlyList<RoundFile?>? Rounds);

    private sealed record RoundFile(int? RoundNumber, TextFile? Title, TextFile? Dilemma, IReadOnlyList<TextFile?>? Options, IReadOnlyDictionary<string, RoleFile?>? RoleContexts);

    private sealed record RoleFile(TextFile? Context, TextFile? Question);

    private sealed record TextFile(string? Ko, string? En);
}
