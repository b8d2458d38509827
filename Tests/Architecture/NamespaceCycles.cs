namespace Dilemma.Tests.Architecture;

/// <summary>Finds the cycles of a directed graph: one path per strongly connected group of nodes.</summary>
internal static class NamespaceCycles
{
    /// <summary>
    /// For every group of nodes that reach each other, the shortest cycle through its first node
    /// (ordinal order), written as a path that ends where it starts.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> Find(IReadOnlyDictionary<string, IReadOnlyCollection<string>> uses)
    {
        var groups = StronglyConnected(uses);
        return groups
            .Where(group => group.Count > 1)
            .Select(group => ShortestCycle(uses, group))
            .OrderBy(path => path[0], StringComparer.Ordinal)
            .ToList();
    }

    private static IReadOnlyList<string> ShortestCycle(IReadOnlyDictionary<string, IReadOnlyCollection<string>> uses, SortedSet<string> group)
    {
        var start = group.Min!;
        var previous = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>([start]);
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            foreach (var next in Next(uses, node).Where(group.Contains))
            {
                if (next == start)
                {
                    var path = new List<string> { start };
                    for (var at = node; at != start; at = previous[at])
                    {
                        path.Add(at);
                    }

                    path.Add(start);
                    path.Reverse();
                    return path;
                }

                if (previous.TryAdd(next, node))
                {
                    queue.Enqueue(next);
                }
            }
        }

        throw new InvalidOperationException($"No cycle through {start}, though its group has {group.Count} nodes.");
    }

    /// <summary>Tarjan's algorithm, iterative so a deep graph cannot overflow the stack.</summary>
    private static List<SortedSet<string>> StronglyConnected(IReadOnlyDictionary<string, IReadOnlyCollection<string>> uses)
    {
        var nodes = uses.Keys.Concat(uses.Values.SelectMany(targets => targets)).Distinct().Order(StringComparer.Ordinal).ToList();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var groups = new List<SortedSet<string>>();
        foreach (var root in nodes.Where(node => !index.ContainsKey(node)))
        {
            var work = new Stack<(string Node, IEnumerator<string> Next)>();
            Visit(root);
            while (work.Count > 0)
            {
                var (node, next) = work.Peek();
                if (next.MoveNext())
                {
                    var target = next.Current;
                    if (!index.TryGetValue(target, out var targetIndex))
                    {
                        Visit(target);
                    }
                    else if (onStack.Contains(target))
                    {
                        low[node] = Math.Min(low[node], targetIndex);
                    }

                    continue;
                }

                work.Pop();
                if (work.Count > 0)
                {
                    var parent = work.Peek().Node;
                    low[parent] = Math.Min(low[parent], low[node]);
                }

                if (low[node] == index[node])
                {
                    var group = new SortedSet<string>(StringComparer.Ordinal);
                    string member;
                    do
                    {
                        member = stack.Pop();
                        onStack.Remove(member);
                        group.Add(member);
                    }
                    while (member != node);
                    groups.Add(group);
                }
            }

            void Visit(string node)
            {
                index[node] = low[node] = index.Count;
                stack.Push(node);
                onStack.Add(node);
                work.Push((node, Next(uses, node).GetEnumerator()));
            }
        }

        return groups;
    }

    private static IEnumerable<string> Next(IReadOnlyDictionary<string, IReadOnlyCollection<string>> uses, string node) =>
        uses.TryGetValue(node, out var targets) ? targets : [];
}
