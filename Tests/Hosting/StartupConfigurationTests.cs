using System.Diagnostics;

namespace Dilemma.Tests.Hosting;

/// <summary>
/// A wrong or missing setting stops the real process at start-up with one line naming it. These
/// run the built gateway and silo as child processes, as an operator would.
/// </summary>
public sealed class StartupConfigurationTests
{
    [Theory]
    [InlineData("Gateway", "ConnectionStrings:Redis", "Cluster__Mode=Cluster")]
    [InlineData("Gateway", "Auth:JwtKey", "Cluster__Mode=Cluster", "ConnectionStrings__Redis=127.0.0.1:1")]
    [InlineData("Gateway", "Auth:JwtKey", "Cluster__Mode=Cluster", "ConnectionStrings__Redis=127.0.0.1:1", "Auth__JwtKey=only-twenty-bytes-key")]
    [InlineData("Gateway", "Cluster:Mode", "Cluster__Mode=Galaxy")]
    [InlineData("Gateway", "Cluster:SiloPort", "Cluster__SiloPort=seventy")]
    [InlineData("Gateway", "Ice:Coturn:Secret", "Ice__Provider=coturn")]
    [InlineData("Gateway", "Ai:Provider", "Ai__Provider=gpt")]
    [InlineData("Gateway", "Ai:OpenAi:ApiKey", "Ai__Provider=openai")]
    [InlineData("Gateway", "RateLimits:AiScenariosPerMinute", "RateLimits__AiScenariosPerMinute=0")]
    [InlineData("Gateway", "Research:ExportRowsPerChunk", "Research__ExportRowsPerChunk=1000")]
    [InlineData("Gateway", "Research:ExportChunksPerCall", "Research__ExportRowsPerChunk=250", "Research__ExportChunksPerCall=4")]
    [InlineData("Silo", "Ai:TimeoutSeconds", "ConnectionStrings__Redis=127.0.0.1:1", "ConnectionStrings__MySql=Server=127.0.0.1;Port=1", "Ai__TimeoutSeconds=60")]
    [InlineData("Gateway", "Telemetry:MetricsUrls", "Telemetry__MetricsUrls=http://127.0.0.1")]
    [InlineData("Gateway", "Telemetry:OtlpEndpoint", "Telemetry__OtlpEndpoint=collector:4317")]
    [InlineData("Gateway", "Logging:Format", "Logging__Format=xml")]
    [InlineData("Silo", "Telemetry:MetricsUrls", "ConnectionStrings__Redis=127.0.0.1:1", "ConnectionStrings__MySql=Server=127.0.0.1;Port=1", "Telemetry__MetricsUrls=http://0.0.0.0:0")]
    [InlineData("Silo", "ConnectionStrings:Redis")]
    [InlineData("Silo", "ConnectionStrings:MySql", "ConnectionStrings__Redis=127.0.0.1:1")]
    public async Task A_missing_or_wrong_setting_stops_start_up_with_one_line_naming_it(string project, string setting, params string[] environment)
    {
        var (exitCode, stdout, stderr) = await RunAsync(project, environment);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("Configuration error: ", line, StringComparison.Ordinal);
        Assert.Contains(setting, line, StringComparison.Ordinal);
        Assert.Contains(setting.Replace(":", "__", StringComparison.Ordinal), line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string project, string[] environment)
    {
        var assembly = Path.Combine(BuildOutput(project), $"Dilemma.{project}.dll");
        Assert.True(File.Exists(assembly), $"{assembly} is missing: build the solution first (dotnet build Dilemma.Orleans.sln).");
        var start = new ProcessStartInfo("dotnet", [assembly])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || k.StartsWith("Cluster__", StringComparison.Ordinal) || k.StartsWith("Auth__", StringComparison.Ordinal) || k.StartsWith("Ai__", StringComparison.Ordinal) || k.StartsWith("Ice__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        foreach (var pair in environment)
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            start.Environment[pair[..at]] = pair[(at + 1)..];
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{project} did not stop within 60 s; it should refuse to start. Output: {await stdout} {await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private static string BuildOutput(string project)
    {
        // Tests run from Tests/bin/<Configuration>/net10.0; each host's own output sits beside it, with its own appsettings.json.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var repository = testOutput.Parent.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(repository, project, "bin", configuration, framework);
    }
}
