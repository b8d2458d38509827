using System.Text.RegularExpressions;

namespace Dilemma.Tests.Deployment;

/// <summary>The repository's files, found from the test output folder upwards, and the small formats they use.</summary>
internal static partial class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(PathOf(parts));

    /// <summary>Where <c>dotnet build</c> put a host project's own output (with its appsettings.json), beside the tests' output.</summary>
    public static string BuildOutput(string project)
    {
        // Tests run from Tests/bin/<Configuration>/<framework>.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var output = Path.Combine(Root, project, "bin", testOutput.Parent!.Name, testOutput.Name);
        Assert.True(Directory.Exists(output), $"{output} is missing: build the solution first (dotnet build Dilemma.Orleans.sln).");
        return output;
    }

    /// <summary>KEY=VALUE lines (an .env file, a kustomize env file); blank lines and # comments are skipped.</summary>
    public static Dictionary<string, string> ReadEnvFile(params string[] parts) => ParseEnv(File.ReadAllText(PathOf(parts)), string.Join('/', parts));

    /// <summary><see cref="ReadEnvFile"/> of an example, <see cref="SetByOperator">with its placeholders set</see>.</summary>
    public static Dictionary<string, string> ReadExampleAsSet(params string[] parts) => ParseEnv(SetByOperator(File.ReadAllText(PathOf(parts))), string.Join('/', parts));

    private static Dictionary<string, string> ParseEnv(string text, string name)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var at = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(at > 0, $"'{line}' in {name} is not KEY=VALUE");
            values[line[..at]] = line[(at + 1)..];
        }

        return values;
    }

    /// <summary>
    /// An example's KEY=VALUE text as an operator leaves it after "set every value": each placeholder replaced, the same
    /// one by the same secret wherever it appears (a password and the connection string that carries it agree), as
    /// the hosts refuse the placeholders themselves.
    /// </summary>
    public static string SetByOperator(string example) => example.Replace("change-me", "set-by-the-operator", StringComparison.Ordinal);

    /// <summary>
    /// Environment variables as the .NET host reads them: <c>Section__Key</c> becomes <c>Section:Key</c>, and the
    /// <c>DOTNET_</c> and <c>ASPNETCORE_</c> prefixes are also read without the prefix (host settings).
    /// </summary>
    public static Dictionary<string, string?> AsConfiguration(IReadOnlyDictionary<string, string> environment)
    {
        var configuration = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in environment)
        {
            configuration[name.Replace("__", ":", StringComparison.Ordinal)] = value;
            foreach (var prefix in new[] { "DOTNET_", "ASPNETCORE_" })
            {
                if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    configuration[name[prefix.Length..].Replace("__", ":", StringComparison.Ordinal)] = value;
                }
            }
        }

        return configuration;
    }

    /// <summary>Every <c>${NAME}</c> in a text (nginx templates, compose values).</summary>
    public static IEnumerable<string> Placeholders(string text) =>
        PlaceholderPattern().Matches(text).Select(m => m.Groups["name"].Value).Distinct(StringComparer.Ordinal);

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex PlaceholderPattern();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Dilemma.Orleans.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Dilemma.Orleans.sln above {AppContext.BaseDirectory}.");
    }
}
