using System.Text.Json;
using System.Xml.Linq;
using Dilemma.Hosting;

namespace Dilemma.Tests.Deployment;

/// <summary>The two images, read as Docker reads them and held against the projects and the settings they build.</summary>
public sealed class DockerfileTests
{
    public static TheoryData<string, string> Images => new()
    {
        { "Dockerfile.silo", "Silo" },
        { "Dockerfile.gateway", "Gateway" },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void The_SDK_image_builds_and_the_ASP_NET_runtime_image_runs(string file, string project)
    {
        var dockerfile = Dockerfile.Load(file);

        Assert.Equal(2, dockerfile.Stages.Count);
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/sdk:\S+ AS build$", dockerfile.Stages[0][0].Arguments);
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/aspnet:\S+ AS runtime$", dockerfile.Final[0].Arguments);
        var publish = Assert.Single(dockerfile.Stages[0], i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Contains($"{project}/{project}.csproj", publish.Arguments, StringComparison.Ordinal);
        Assert.Contains("--configuration Release", publish.Arguments, StringComparison.Ordinal);
        Assert.Contains(dockerfile.Final, i => i.Keyword == "COPY" && i.Arguments.StartsWith("--from=build /app", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Restore_is_a_layer_of_its_own_made_from_the_project_files_of_every_referenced_project(string file, string project)
    {
        var build = Dockerfile.Load(file).Stages[0];
        var restore = build.ToList().FindIndex(i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet restore", StringComparison.Ordinal));
        Assert.True(restore > 0, $"{file} has no RUN dotnet restore");

        var copiedBefore = build.Take(restore).Where(i => i.Keyword == "COPY").SelectMany(i => i.Arguments.Split(' ')[..^1]).ToList();
        Assert.All(copiedBefore, source => Assert.True(
            source.EndsWith(".csproj", StringComparison.Ordinal) || source.EndsWith(".props", StringComparison.Ordinal) || source is "global.json" or ".editorconfig",
            $"{file} copies {source} before restoring, so every source change would invalidate the restore layer"));
        foreach (var required in ProjectClosure($"{project}/{project}.csproj").Append("Directory.Packages.props").Append("Directory.Build.props").Append("global.json"))
        {
            Assert.Contains(required, copiedBefore);
        }

        var copiedAfter = build.Skip(restore).Where(i => i.Keyword == "COPY").Select(i => i.Arguments.Split(' ')[0].TrimEnd('/')).ToList();
        foreach (var directory in ProjectClosure($"{project}/{project}.csproj").Select(p => p.Split('/')[0]))
        {
            Assert.Contains(directory, copiedAfter);
        }

        Assert.Contains("--no-restore", build.Single(i => i.Arguments.Contains("dotnet publish", StringComparison.Ordinal)).Arguments, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void The_image_runs_as_the_unprivileged_user_by_number(string file, string project)
    {
        _ = project;
        var user = Dockerfile.Load(file).Final.Last(i => i.Keyword == "USER").Arguments;

        // $APP_UID is 1654 in the .NET images: a number, so Kubernetes can check runAsNonRoot.
        Assert.True(user == "$APP_UID" || (int.TryParse(user, out var uid) && uid > 0), $"{file} runs as '{user}'");
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Entrypoint_and_healthcheck_run_the_project_assembly_and_the_healthcheck_asks_a_real_endpoint(string file, string project)
    {
        var dockerfile = Dockerfile.Load(file);
        var assembly = XDocument.Load(Repository.PathOf(project, $"{project}.csproj")).Descendants("AssemblyName").Single().Value + ".dll";

        Assert.Equal(["dotnet", assembly], dockerfile.Final.Single(i => i.Keyword == "ENTRYPOINT").ExecForm());
        var healthcheck = dockerfile.Final.Single(i => i.Keyword == "HEALTHCHECK");
        var command = healthcheck.ExecForm("CMD");
        Assert.Equal(["dotnet", assembly, HealthProbe.Command], command.Take(3));
        Assert.Equal("/health/ready", command[3]);
        Assert.Matches(@"--interval=\d+s --timeout=\d+s --start-period=\d+s --retries=\d+", healthcheck.Arguments);
    }

    [Fact]
    public void Ports_exposed_are_the_ports_the_silo_is_configured_with()
    {
        var dockerfile = Dockerfile.Load("Dockerfile.silo");
        var environment = dockerfile.FinalEnvironment;
        var settings = JsonDocument.Parse(Repository.Read("Silo", "appsettings.json")).RootElement.GetProperty("Cluster");

        Assert.Equal(settings.GetProperty("SiloPort").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), environment["Cluster__SiloPort"]);
        Assert.Equal(settings.GetProperty("GatewayPort").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), environment["Cluster__GatewayPort"]);
        Assert.Equal(
            new[] { environment["ASPNETCORE_HTTP_PORTS"], environment["Cluster__SiloPort"], environment["Cluster__GatewayPort"] }.Order(),
            Exposed(dockerfile).Order());
        Assert.Equal(int.Parse(environment["ASPNETCORE_HTTP_PORTS"], System.Globalization.CultureInfo.InvariantCulture), HealthProbe.ListeningPort(name => environment.GetValueOrDefault(name)));
    }

    [Fact]
    public void The_gateway_exposes_its_HTTP_port_only()
    {
        var dockerfile = Dockerfile.Load("Dockerfile.gateway");

        Assert.Equal([dockerfile.FinalEnvironment["ASPNETCORE_HTTP_PORTS"]], Exposed(dockerfile));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void No_setting_or_secret_is_baked_into_an_image(string file, string project)
    {
        _ = project;
        var environment = Dockerfile.Load(file).FinalEnvironment;

        Assert.DoesNotContain(environment.Keys, key => key.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || key.StartsWith("Auth__", StringComparison.Ordinal));
        Assert.DoesNotContain(environment.Keys, key => key is "Cluster__Mode" or "Cluster__ServiceId" or "Cluster__ClusterId");
    }

    [Fact]
    public void The_build_context_leaves_out_build_output_secrets_and_history()
    {
        var ignored = File.ReadAllLines(Repository.PathOf(".dockerignore")).Select(l => l.Trim()).ToHashSet(StringComparer.Ordinal);

        foreach (var pattern in new[] { "**/bin/", "**/obj/", ".git", ".env", "**/secrets.env", ".local/" })
        {
            Assert.Contains(pattern, ignored);
        }
    }

    private static List<string> Exposed(Dockerfile dockerfile) =>
        dockerfile.Final.Where(i => i.Keyword == "EXPOSE").SelectMany(i => i.Arguments.Split(' ')).ToList();

    /// <summary>A project and every project it references, transitively, as repository paths.</summary>
    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }

            var directory = Path.GetDirectoryName(current)!;
            foreach (var reference in XDocument.Load(Repository.PathOf(current)).Descendants("ProjectReference"))
            {
                var path = Path.GetFullPath(Path.Combine(Repository.Root, directory, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                pending.Push(Path.GetRelativePath(Repository.Root, path).Replace('\\', '/'));
            }
        }

        return seen;
    }
}
