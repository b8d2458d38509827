using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Dilemma.Tests.Deployment;

/// <summary>
/// docker-compose.yml as <c>docker compose config</c> would see it: YAML merge keys resolved, and every value
/// interpolated from an env file (<c>${X}</c>, <c>${X:-default}</c>, <c>${X-default}</c>, <c>${X:?error}</c>,
/// <c>${X?error}</c>, <c>$$</c>). A required variable that is missing fails the test with compose's own message.
/// </summary>
internal sealed partial class ComposeFile
{
    private ComposeFile(Dictionary<string, object?> root, HashSet<string> used)
    {
        Root = root;
        UsedVariables = used;
    }

    public Dictionary<string, object?> Root { get; }

    /// <summary>The variables the file refers to.</summary>
    public IReadOnlySet<string> UsedVariables { get; }

    public Dictionary<string, object?> Services => Map(Root["services"]);

    public static ComposeFile Load(IReadOnlyDictionary<string, string> variables)
    {
        using var reader = new StringReader(Repository.Read("docker-compose.yml"));
        var raw = new DeserializerBuilder().Build().Deserialize<object>(new MergingParser(new Parser(reader)));
        var used = new HashSet<string>(StringComparer.Ordinal);
        return new ComposeFile(Map(Interpolate(raw, variables, used)), used);
    }

    public Dictionary<string, object?> Service(string name)
    {
        Assert.True(Services.ContainsKey(name), $"docker-compose.yml has no service '{name}'");
        return Map(Services[name]);
    }

    /// <summary>A service's environment, which this file writes as a map.</summary>
    public Dictionary<string, string> Environment(string service)
    {
        var map = Service(service).TryGetValue("environment", out var environment) ? Map(environment) : [];
        return map.ToDictionary(pair => pair.Key, pair => (string)pair.Value!, StringComparer.Ordinal);
    }

    public static Dictionary<string, object?> Map(object? node) =>
        node is Dictionary<object, object?> map
            ? map.ToDictionary(pair => (string)pair.Key, pair => pair.Value, StringComparer.Ordinal)
            : node as Dictionary<string, object?> ?? throw new InvalidOperationException($"Expected a map, found {node?.GetType().Name ?? "nothing"}.");

    public static List<string> Strings(object? node) =>
        node switch
        {
            List<object?> list => list.Select(item => (string)item!).ToList(),
            string text => [text],
            _ => [],
        };

    private static object? Interpolate(object? node, IReadOnlyDictionary<string, string> variables, HashSet<string> used) =>
        node switch
        {
            string text => Interpolate(text, variables, used),
            List<object?> list => list.Select(item => Interpolate(item, variables, used)).ToList(),
            Dictionary<object, object?> map => map.ToDictionary(pair => (object)(string)pair.Key, pair => Interpolate(pair.Value, variables, used)),
            _ => node,
        };

    private static string Interpolate(string text, IReadOnlyDictionary<string, string> variables, HashSet<string> used) =>
        Variable().Replace(text, match =>
        {
            if (match.Value == "$$")
            {
                return "$";
            }

            var name = match.Groups["name"].Value;
            used.Add(name);
            var isSet = variables.TryGetValue(name, out var value);
            var isEmpty = string.IsNullOrEmpty(value);
            var argument = match.Groups["argument"].Value;
            return match.Groups["operator"].Value switch
            {
                ":-" => isEmpty ? argument : value!,
                "-" => isSet ? value! : argument,
                ":?" => isEmpty ? throw new InvalidOperationException($"required variable {name} is missing a value: {argument}") : value!,
                "?" => isSet ? value! : throw new InvalidOperationException($"required variable {name} is missing a value: {argument}"),
                _ => isSet ? value! : throw new InvalidOperationException($"{name} is not set (compose would use an empty string)"),
            };
        });

    [GeneratedRegex(@"\$\$|\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<operator>:?[-?])(?<argument>[^}]*))?\}")]
    private static partial Regex Variable();
}
