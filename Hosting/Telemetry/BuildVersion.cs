using System.Reflection;

namespace Dilemma.Hosting.Telemetry;

/// <summary>
/// Which build this process runs: the assemblies' informational version, which the SDK writes as the project's version
/// and the commit it was built from (<c>1.0.0+&lt;sha&gt;</c>; the images take the commit as the <c>SOURCE_REVISION</c>
/// build argument, their build context having no history). Every project is built together, so one assembly speaks for all.
/// </summary>
public static class BuildVersion
{
    /// <summary>The longest version kept (the export ledger's column); a longer one, set by hand, is cut.</summary>
    public const int MaxLength = 128;

    public static string Current { get; } = Cut(
        typeof(BuildVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");

    private static string Cut(string version) => version.Length <= MaxLength ? version : version[..MaxLength];
}
