using System.Text.Json;

namespace Dilemma.Tests.Deployment;

/// <summary>One instruction of a Dockerfile: its keyword and the rest of its (joined) line.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments)
{
    /// <summary>The exec form (<c>["a", "b"]</c>) as a list.</summary>
    public IReadOnlyList<string> ExecForm(string after = "")
    {
        var text = Arguments[(Arguments.IndexOf(after, StringComparison.Ordinal) + after.Length)..].Trim();
        Assert.StartsWith("[", text, StringComparison.Ordinal);
        return JsonSerializer.Deserialize<string[]>(text)!;
    }
}

/// <summary>A Dockerfile read the way Docker reads it: comments dropped, continued lines joined, stages split at FROM.</summary>
internal sealed class Dockerfile
{
    private Dockerfile(string name, IReadOnlyList<DockerInstruction> instructions)
    {
        Name = name;
        Instructions = instructions;
    }

    public string Name { get; }

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    /// <summary>Instructions per stage, each starting with its FROM.</summary>
    public IReadOnlyList<IReadOnlyList<DockerInstruction>> Stages
    {
        get
        {
            var stages = new List<List<DockerInstruction>>();
            foreach (var instruction in Instructions.SkipWhile(i => i.Keyword != "FROM"))
            {
                if (instruction.Keyword == "FROM")
                {
                    stages.Add([]);
                }

                stages[^1].Add(instruction);
            }

            return stages;
        }
    }

    /// <summary>The image that runs: the last stage.</summary>
    public IReadOnlyList<DockerInstruction> Final => Stages[^1];

    /// <summary>ENV of the final stage (KEY=VALUE pairs, several per instruction).</summary>
    public Dictionary<string, string> FinalEnvironment =>
        Final.Where(i => i.Keyword == "ENV")
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);

    public static Dockerfile Load(string name)
    {
        var instructions = new List<DockerInstruction>();
        var pending = "";
        foreach (var raw in File.ReadAllLines(Repository.PathOf(name)))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            line = (pending + line).Trim();
            pending = "";
            if (line.Length == 0)
            {
                continue;
            }

            var space = line.IndexOf(' ', StringComparison.Ordinal);
            instructions.Add(new DockerInstruction(line[..space].ToUpperInvariant(), string.Join(' ', line[(space + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))));
        }

        return new Dockerfile(name, instructions);
    }
}
