using System.Security.Cryptography;
using System.Text;
using Dilemma.Grains.Interfaces.Scenarios;

namespace Dilemma.Grains.Scenarios;

/// <summary>
/// The curated scenarios that ship inside this assembly (<c>Scenarios/Bank/*.json</c>), so that a
/// silo can run games with no LLM reachable. The whole bank is validated when it loads: a broken
/// file stops the silo at start-up instead of a game at round 3.
/// </summary>
public sealed class ScenarioBank
{
    /// <summary>The <see cref="Scenario.Source"/> of every scenario from the bank.</summary>
    public const string SourceName = "bank";

    private const string ResourcePrefix = "ScenarioBank/";

    // The embedded files cannot change while the process runs, so every silo in a process (tests
    // start many) shares one parse.
    private static readonly Lazy<ScenarioBank> Embedded = new(() => Load(ReadEmbeddedFiles()));

    private readonly Dictionary<string, Scenario> _byTopic;
    private readonly Dictionary<string, Scenario> _byId;

    private ScenarioBank(IEnumerable<Scenario> scenarios)
    {
        var ordered = scenarios.OrderBy(s => s.Topic, StringComparer.Ordinal).ToArray();
        _byTopic = ordered.ToDictionary(s => s.Topic, StringComparer.Ordinal);
        _byId = ordered.ToDictionary(s => s.Id, StringComparer.Ordinal);
        Topics = ordered.Select(s => new TopicSummary(s.Topic, s.Title, s.Summary, s.Id)).ToArray();
    }

    /// <summary>Every topic, ordered by its key.</summary>
    public IReadOnlyList<TopicSummary> Topics { get; }

    /// <summary>The scenario for <paramref name="topic"/> (matched exactly), or null.</summary>
    public Scenario? FindByTopic(string topic) => _byTopic.GetValueOrDefault(topic);

    /// <summary>The scenario with this <see cref="Scenario.Id"/> (matched exactly), or null.</summary>
    public Scenario? FindById(string id) => _byId.GetValueOrDefault(id);

    /// <summary>The bank compiled into this assembly.</summary>
    /// <exception cref="InvalidScenarioBankException">A file breaks a rule.</exception>
    public static ScenarioBank LoadEmbedded() => Embedded.Value;

    /// <summary>A bank from the given files (name for messages, JSON text).</summary>
    /// <exception cref="InvalidScenarioBankException">A file breaks a rule; the message names every file and rule.</exception>
    public static ScenarioBank Load(IEnumerable<(string Name, string Json)> files) =>
        Load(files.Select(file => (file.Name, Encoding.UTF8.GetBytes(file.Json))));

    private static ScenarioBank Load(IEnumerable<(string Name, byte[] Utf8)> files)
    {
        var violations = new List<ScenarioBankViolation>();
        var scenarios = new List<(string File, Scenario Scenario)>();
        foreach (var (name, utf8) in files)
        {
            if (ScenarioFileReader.Read(name, utf8, VersionOf(utf8), violations) is { } scenario)
            {
                scenarios.Add((name, scenario));
            }
        }

        RequireUnique(scenarios, s => s.Topic, "topic", ScenarioBankRules.UniqueTopic, violations);
        RequireUnique(scenarios, s => s.Id, "id", ScenarioBankRules.UniqueId, violations);
        if (scenarios.Count == 0 && violations.Count == 0)
        {
            violations.Add(new ScenarioBankViolation("(bank)", ScenarioBankRules.NotEmpty, "No scenario files were found; a silo needs at least one to run a game."));
        }

        return violations.Count == 0 ? new ScenarioBank(scenarios.Select(s => s.Scenario)) : throw new InvalidScenarioBankException(violations);
    }

    // The content hash, not a hand-kept number: a room records which exact text its players saw,
    // and an edited file can never pass for the old one.
    private static string VersionOf(byte[] utf8) => Convert.ToHexStringLower(SHA256.HashData(utf8).AsSpan(0, 8));

    private static void RequireUnique(
        List<(string File, Scenario Scenario)> scenarios,
        Func<Scenario, string> key,
        string field,
        string rule,
        List<ScenarioBankViolation> violations)
    {
        foreach (var group in scenarios.GroupBy(s => key(s.Scenario), StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var first = group.First().File;
            foreach (var (file, _) in group.Skip(1))
            {
                violations.Add(new ScenarioBankViolation(file, rule, $"{field} \"{group.Key}\" is already used by {first}."));
            }
        }
    }

    private static IEnumerable<(string Name, byte[] Utf8)> ReadEmbeddedFiles()
    {
        var assembly = typeof(ScenarioBank).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"The embedded resource {resource} vanished while it was being read.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            yield return (resource[ResourcePrefix.Length..], copy.ToArray());
        }
    }
}
