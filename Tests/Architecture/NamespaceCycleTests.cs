namespace Dilemma.Tests.Architecture;

/// <summary>
/// Our namespaces form no cycle (issue 17): a namespace that uses another which uses it back
/// cannot be understood, moved or split on its own. Uses are read from the compiled assemblies,
/// method bodies included, so a type named only inside a method still counts.
/// </summary>
public sealed class NamespaceCycleTests
{
    private static readonly string[] Assemblies =
        ["Dilemma.Grains.Interfaces", "Dilemma.Hosting", "Dilemma.Grains", "Dilemma.Silo", "Dilemma.Gateway"];

    [Fact]
    public void Our_namespaces_use_each_other_without_a_cycle()
    {
        var graph = NamespaceGraph.Read(Assemblies.Select(name => Path.Combine(AppContext.BaseDirectory, name + ".dll")), "Dilemma.");

        var cycles = NamespaceCycles.Find(graph.Uses);

        Assert.True(cycles.Count == 0, Describe(graph, cycles));
    }

    [Fact]
    public void The_gateway_uses_the_grains_only_to_host_them_in_embedded_mode()
    {
        // Gateway.csproj references Grains only for embedded mode: what both hosts need is in Dilemma.Hosting,
        // and the grains' contracts are in Grains.Interfaces; only the cluster set-up co-hosts a silo.
        var graph = NamespaceGraph.Read(Assemblies.Select(name => Path.Combine(AppContext.BaseDirectory, name + ".dll")), "Dilemma.");

        var uses = graph.Uses
            .Where(pair => pair.Key.StartsWith("Dilemma.Gateway", StringComparison.Ordinal))
            .SelectMany(pair => pair.Value.Where(IsGrainsImplementation).Select(used => $"{pair.Key} → {used}: {string.Join(", ", graph.Evidence(pair.Key, used))}"))
            .ToList();

        Assert.True(
            uses.Count == 1 && uses[0].StartsWith("Dilemma.Gateway.Hosting → Dilemma.Grains.Hosting:", StringComparison.Ordinal),
            "The gateway uses the grains' implementation beyond embedded hosting:\n" + string.Join("\n", uses));
    }

    private static bool IsGrainsImplementation(string name) =>
        name.StartsWith("Dilemma.Grains.", StringComparison.Ordinal) && !name.StartsWith("Dilemma.Grains.Interfaces", StringComparison.Ordinal);

    [Fact]
    public void The_reader_sees_a_namespace_used_only_inside_a_method_body()
    {
        var graph = NamespaceGraph.Read([typeof(NamespaceCycleTests).Assembly.Location], "Dilemma.Tests.Architecture.Samples.");

        Assert.Equal(["Dilemma.Tests.Architecture.Samples.Target"], graph.Uses["Dilemma.Tests.Architecture.Samples.Caller"]);
        Assert.Equal(["BodyOnlyCaller"], graph.Evidence("Dilemma.Tests.Architecture.Samples.Caller", "Dilemma.Tests.Architecture.Samples.Target"));
    }

    [Fact]
    public void The_reader_sees_uses_across_assemblies()
    {
        var graph = NamespaceGraph.Read(Assemblies.Select(name => Path.Combine(AppContext.BaseDirectory, name + ".dll")), "Dilemma.");

        Assert.Contains("Dilemma.Grains.Interfaces.Rooms", graph.Uses["Dilemma.Gateway.Rooms"]);
        Assert.Contains("Dilemma.Grains.Interfaces.Errors", graph.Uses["Dilemma.Gateway.Errors"]);
    }

    [Fact]
    public void A_cycle_is_reported_as_a_path_that_ends_where_it_starts()
    {
        var uses = new Dictionary<string, IReadOnlyCollection<string>>
        {
            ["A"] = ["B"],
            ["B"] = ["C"],
            ["C"] = ["A", "D"],
            ["D"] = ["E"],
            ["E"] = ["D"],
            ["F"] = ["A"],
        };

        var cycles = NamespaceCycles.Find(uses);

        Assert.Equal([["A", "B", "C", "A"], ["D", "E", "D"]], cycles);
    }

    private static string Describe(NamespaceGraph graph, IReadOnlyList<IReadOnlyList<string>> cycles) =>
        $"{cycles.Count} namespace cycle(s):" + string.Concat(cycles.Select(path =>
            "\n  " + string.Join(" → ", path) + string.Concat(path.Zip(path.Skip(1)).Select(step =>
                $"\n      {step.First} → {step.Second}: {string.Join(", ", graph.Evidence(step.First, step.Second))}"))));
}
