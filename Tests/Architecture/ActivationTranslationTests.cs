using System.Text.RegularExpressions;
using Dilemma.Tests.Deployment;

namespace Dilemma.Tests.Architecture;

/// <summary>
/// A grain's own <c>OnActivateAsync</c> runs before any call filter, and its error is the answer to every call that waited on
/// the activation: a MySqlConnector error there has no codec, and reached the gateway as a 500. So each one runs its body through
/// the storage translation (<c>StorageFailure.TranslatedAsync</c>), as the room's and the session's do
/// (<c>Tests/Failover/ActivationFailureTests.cs</c>).
/// </summary>
public sealed partial class ActivationTranslationTests
{
    [Fact]
    public void Every_grain_that_overrides_OnActivateAsync_translates_database_errors()
    {
        var overrides = Directory.EnumerateFiles(Repository.PathOf("Grains"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(path => File.ReadLines(path).Select(line => (File: Path.GetRelativePath(Repository.Root, path), Line: line.Trim())))
            .Where(l => OnActivateOverride().IsMatch(l.Line))
            .ToList();

        Assert.Contains(overrides, l => l.File.EndsWith("RoomGrain.cs", StringComparison.Ordinal));
        var untranslated = overrides.Where(l => !l.Line.Contains("StorageFailure.TranslatedAsync(", StringComparison.Ordinal)).Select(l => $"{l.File}: {l.Line}").ToList();
        Assert.True(untranslated.Count == 0, "OnActivateAsync without StorageFailure.TranslatedAsync: " + string.Join("; ", untranslated));
    }

    [GeneratedRegex(@"\boverride\b.*\bOnActivateAsync\s*\(")]
    private static partial Regex OnActivateOverride();
}
