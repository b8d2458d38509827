using System.Diagnostics;

namespace Dilemma.Tests.Hosting;

/// <summary>
/// A wrong or missing setting stops the real process at start-up with one line naming it. These
/// run the built gateway and silo as child processes, as an operator would.
/// </summary>
public sealed class StartupConfigurationTests
{
    // Settings the machine's environment may carry (scripts/services.sh env exports some); each run starts without them.
    private static readonly string[] _sections = ["ConnectionStrings", "Cluster", "Database", "Auth", "RateLimits", "Realtime", "Ice", "Ai", "Research", "Cors", "Rooms", "Edge", "Telemetry", "Game", "LoadShedding"];

    private const string SiloServices = "ConnectionStrings__Redis=127.0.0.1:1";
    private const string SiloDatabase = "ConnectionStrings__MySql=Server=127.0.0.1;Port=1";

    /// <summary>(host, the setting the line must name, the environment that gets it wrong): at least one per section each host reads.</summary>
    private static readonly (string Project, string Setting, string[] Environment)[] _cases =
    [
        ("Gateway", "ConnectionStrings:Redis", ["Cluster__Mode=Cluster"]),
        ("Gateway", "Auth:JwtKey", ["Cluster__Mode=Cluster", "ConnectionStrings__Redis=127.0.0.1:1"]),
        ("Gateway", "Auth:JwtKey", ["Cluster__Mode=Cluster", "ConnectionStrings__Redis=127.0.0.1:1", "Auth__JwtKey=only-twenty-bytes-key"]),
        ("Gateway", "Auth:BcryptWorkFactor", ["Auth__BcryptWorkFactor=3"]),
        ("Gateway", "Auth:AccessTokenMinutes", ["Auth__AccessTokenMinutes=soon"]),
        ("Gateway", "Cluster:Mode", ["Cluster__Mode=Galaxy"]),
        ("Gateway", "Auth:Researchers", ["Auth__Researchers__0=prof_lee"]),
        ("Gateway", "Cluster:SiloPort", ["Cluster__SiloPort=seventy"]),
        ("Gateway", "Cluster:ResponseTimeoutSeconds", ["Cluster__Mode=Cluster", "ConnectionStrings__Redis=127.0.0.1:1", "Cluster__ResponseTimeoutSeconds=1"]),
        ("Gateway", "Cluster:GatewayListRefreshSeconds", ["Cluster__Mode=Cluster", "ConnectionStrings__Redis=127.0.0.1:1", "Cluster__GatewayListRefreshSeconds=soon"]),
        ("Gateway", "Ice:Coturn:Secret", ["Ice__Provider=coturn"]),
        ("Gateway", "Ai:Provider", ["Ai__Provider=gpt"]),
        ("Gateway", "Ai:OpenAi:ApiKey", ["Ai__Provider=openai"]),
        ("Gateway", "RateLimits:AiScenariosPerMinute", ["RateLimits__AiScenariosPerMinute=0"]),
        ("Gateway", "RateLimits:PasswordConcurrency", ["RateLimits__PasswordConcurrency=0"]),
        ("Gateway", "RateLimits:PasswordQueue", ["RateLimits__PasswordQueue=many"]),
        ("Gateway", "Realtime:MaxMessageBytes", ["Realtime__MaxMessageBytes=10"]),
        ("Gateway", "Realtime:MessagesPerSecond", ["Realtime__MessagesPerSecond=fast"]),
        ("Gateway", "Realtime:KeepAliveTimeoutSeconds", ["Realtime__KeepAliveSeconds=60", "Realtime__KeepAliveTimeoutSeconds=30"]),
        ("Gateway", "Realtime:RenewSeconds", ["Realtime__RenewSeconds=61"]),
        ("Gateway", "Research:ExportRowsPerChunk", ["Research__ExportRowsPerChunk=1000"]),
        ("Gateway", "Research:ExportChunksPerCall", ["Research__ExportRowsPerChunk=250", "Research__ExportChunksPerCall=4"]),
        ("Gateway", "Cors:AllowedOrigins", ["Cors__AllowedOrigins__0=https://frontend.example.org/"]),
        ("Gateway", "Realtime:AllowedOrigins", ["Realtime__AllowedOrigins__0=frontend.example.org"]),
        ("Gateway", "RateLimits:Rooms:MissCost", ["RateLimits__Rooms__MissCost=0"]),
        ("Gateway", "RateLimits:Rooms:MissCost", ["RateLimits__Rooms__MissCost=500"]),
        ("Gateway", "Rooms:AbandonedAfterSeconds", ["Rooms__AbandonedAfterSeconds=0"]),
        ("Gateway", "Rooms:LeftGameEndsAfterSeconds", ["Rooms__LeftGameEndsAfterSeconds=2592001"]),
        ("Gateway", "Game:ReconnectGraceSeconds", ["Game__ReconnectGraceSeconds=0"]),
        ("Gateway", "RateLimits:Auth:GuestSignInsPerWindow", ["RateLimits__Auth__GuestSignInsPerWindow=0"]),
        ("Gateway", "Edge:TrustedProxies", ["Edge__TrustedProxies__0=the-proxy"]),
        ("Gateway", "Telemetry:MetricsUrls", ["Telemetry__MetricsUrls=http://127.0.0.1"]),
        ("Gateway", "Telemetry:OtlpEndpoint", ["Telemetry__OtlpEndpoint=collector:4317"]),
        ("Gateway", "Logging:Format", ["Logging__Format=xml"]),
        ("Gateway", "Cluster:AdvertisedIp", ["Cluster__AdvertisedIp=gateway.local"]),
        ("Gateway", "Ice:Twilio:AccountSid", ["Ice__Provider=twilio", "Ice__Twilio__AuthToken=token"]),
        ("Gateway", "Ice:Coturn:TtlSeconds", ["Ice__Provider=coturn", "Ice__Coturn__Secret=a-coturn-secret-long-enough", "Ice__Coturn__Urls=turn:127.0.0.1", "Ice__Coturn__TtlSeconds=a week"]),
        ("Gateway", "Ai:CircuitBreaker:FailureRatio", ["Ai__CircuitBreaker__FailureRatio=2"]),
        ("Gateway", "Research:ExportMaxStallSeconds", ["Research__ExportMaxStallSeconds=forever"]),
        ("Gateway", "Research:ExportWarmUpRounds", ["Research__ExportWarmUpRounds=0"]),
        ("Silo", "Telemetry:MetricsUrls", [SiloServices, SiloDatabase, "Telemetry__MetricsUrls=http://0.0.0.0:0"]),
        ("Silo", "Logging:Format", [SiloServices, SiloDatabase, "Logging__Format=xml"]),
        ("Silo", "Ai:TimeoutSeconds", [SiloServices, SiloDatabase, "Ai__TimeoutSeconds=60"]),
        ("Silo", "Ai:OpenAi:ApiKey", [SiloServices, SiloDatabase, "Ai__Provider=OpenAI"]),
        ("Silo", "Cluster:AdvertisedIp", [SiloServices, SiloDatabase, "Cluster__AdvertisedIp=silo.local"]),
        ("Silo", "ConnectionStrings:Redis", []),
        ("Silo", "ConnectionStrings:MySql", [SiloServices]),
        ("Silo", "Cluster:SiloPort", [SiloServices, SiloDatabase, "Cluster__SiloPort=seventy"]),
        ("Silo", "Cluster:ProbeTimeoutSeconds", [SiloServices, SiloDatabase, "Cluster__ProbeTimeoutSeconds=0"]),
        ("Silo", "Cluster:MissedProbesLimit", [SiloServices, SiloDatabase, "Cluster__MissedProbesLimit=1"]),
        ("Silo", "Cluster:ResponseTimeoutSeconds", [SiloServices, SiloDatabase, "Cluster__ResponseTimeoutSeconds=600"]),
        ("Silo", "LoadShedding:MemoryThreshold", [SiloServices, SiloDatabase, "Database__MigrateOnStart=false", "LoadShedding__MemoryThreshold=0"]),
        ("Silo", "Database:MigrateOnStart", [SiloServices, SiloDatabase, "Research__PseudonymKey=a-pseudonym-key-of-at-least-32-characters", "Database__MigrateOnStart=maybe"]),
        ("Silo", "Auth:BcryptWorkFactor", [SiloServices, SiloDatabase, "Database__MigrateOnStart=false", "Auth__BcryptWorkFactor=3"]),
        ("Silo", "Rooms:SweepSeconds", [SiloServices, SiloDatabase, "Database__MigrateOnStart=false", "Rooms__SweepSeconds=never"]),
        ("Silo", "Game:ReconnectGraceSeconds", [SiloServices, SiloDatabase, "Database__MigrateOnStart=false", "Game__ReconnectGraceSeconds=forever"]),
        ("Silo", "Auth:RefreshTokenDays", [SiloServices, SiloDatabase, "Database__MigrateOnStart=false", "Auth__RefreshTokenDays=0"]),
        ("Silo", "Research:RetentionDays", [SiloServices, SiloDatabase, "Database__MigrateOnStart=false", "Research__RetentionDays=-1"]),
        ("Silo", "Research:RetentionDaysWithoutConsent", [SiloServices, SiloDatabase, "Database__MigrateOnStart=false", "Research__RetentionDays=30", "Research__RetentionDaysWithoutConsent=60"]),
        ("Gateway", "Research:RetentionDaysWithoutConsent", ["Research__RetentionDaysWithoutConsent=soon"]),
        ("Silo", "Research:PseudonymKey", [SiloServices, SiloDatabase, "Database__MigrateOnStart=false"]),
        ("Silo", "Research:PseudonymKey", [SiloServices, SiloDatabase, "Database__MigrateOnStart=false", "Research__PseudonymKey=too-short"]),
        ("Gateway", "Research:PseudonymKey", ["Research__PseudonymKey=too-short"]),
        ("Gateway", "Research:Pseudonymise", ["Research__Pseudonymise=maybe"]),
        ("Gateway", "Embedded:MaxFinishedGames", ["Embedded__MaxFinishedGames=-1"]),
        ("Gateway", "Embedded:MaxGuests", ["Embedded__MaxGuests=-1"]),
        ("Gateway", "Grains:CollectionAgeSeconds", ["Grains__CollectionAgeSeconds=10", "Grains__CollectionQuantumSeconds=20"]),
        ("Silo", "Grains:CollectionQuantumSeconds", [SiloServices, SiloDatabase, "Database__MigrateOnStart=false", "Grains__CollectionQuantumSeconds=0"]),
    ];

    public static TheoryData<string, string, string[]> Cases()
    {
        var data = new TheoryData<string, string, string[]>();
        foreach (var (project, setting, environment) in _cases)
        {
            data.Add(project, setting, environment);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_missing_or_wrong_setting_stops_start_up_with_one_line_naming_it(string project, string setting, string[] environment)
    {
        var (exitCode, stdout, stderr) = await RunAsync(project, environment);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("Configuration error: ", line, StringComparison.Ordinal);
        Assert.Contains(setting, line, StringComparison.Ordinal);
        Assert.Contains(setting.Replace(":", "__", StringComparison.Ordinal), line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    /// <summary>Each secret the committed examples hold a placeholder for, as an operator who copied an example unchanged would start with it.</summary>
    public static TheoryData<string, string, string[]> ExamplePlaceholders()
    {
        var compose = Deployment.Repository.ReadEnvFile(".env.example");
        var lab = Deployment.Repository.ReadEnvFile("k8s", "overlays", "lab", "secrets.env.example");
        var managed = Deployment.Repository.ReadEnvFile("k8s", "overlays", "managed", "secrets.env.example");
        return new TheoryData<string, string, string[]>
        {
            { "Gateway", "Auth:JwtKey", ["Cluster__Mode=Cluster", "ConnectionStrings__Redis=127.0.0.1:1", $"Auth__JwtKey={compose["AUTH_JWT_KEY"]}"] },
            { "Gateway", "Auth:JwtKey", [$"Auth__JwtKey={lab["Auth__JwtKey"]}"] },
            { "Silo", "Research:PseudonymKey", [SiloServices, SiloDatabase, "Database__MigrateOnStart=false", $"Research__PseudonymKey={compose["RESEARCH_PSEUDONYM_KEY"]}"] },
            { "Gateway", "Research:PseudonymKey", [$"Research__PseudonymKey={managed["Research__PseudonymKey"]}"] },
            { "Gateway", "Ice:Coturn:Secret", ["Ice__Provider=coturn", "Ice__Coturn__Urls=turn:127.0.0.1", "Ice__Coturn__Secret=change-me-to-coturn-static-auth-secret"] },
            { "Silo", "ConnectionStrings:MySql", [SiloServices, "Database__MigrateOnStart=false", $"ConnectionStrings__MySql={lab["ConnectionStrings__MySql"]}"] },
            { "Gateway", "ConnectionStrings:Redis", ["Cluster__Mode=Cluster", $"ConnectionStrings__Redis={managed["ConnectionStrings__Redis"]}"] },
        };
    }

    [Theory]
    [MemberData(nameof(ExamplePlaceholders))]
    public async Task A_secret_left_as_the_examples_placeholder_stops_start_up(string project, string setting, string[] environment)
    {
        var (exitCode, _, stderr) = await RunAsync(project, environment);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith($"Configuration error: {setting} is the example's placeholder", line, StringComparison.Ordinal);
        Assert.DoesNotContain(environment[^1].Split('=', 2)[1], line, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_settings_section_each_host_reads_has_a_case_above()
    {
        // The README's settings table says which host reads each setting; a section without a
        // case here is one whose wrong values nobody has seen refused.
        var read = ReadmeSettings()
            .SelectMany(s => s.Hosts.Select(host => (Host: host, Section: s.Key.Split(':')[0])))
            .Distinct()
            .ToList();
        var covered = _cases.Select(c => (Host: c.Project, Section: c.Setting.Split(':')[0])).ToHashSet();

        Assert.NotEmpty(read);
        Assert.Empty(read.Where(r => !covered.Contains(r)).Select(r => $"{r.Host} {r.Section}"));
    }

    private static IEnumerable<(string Key, string[] Hosts)> ReadmeSettings()
    {
        var readme = Path.Combine(Repository(), "README.md");
        foreach (var row in File.ReadLines(readme).Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries);
            var hosts = new List<string>();
            if (cells[2].Contains("gateway", StringComparison.Ordinal) || cells[2] == "both")
            {
                hosts.Add("Gateway");
            }

            if (cells[2].StartsWith("silo", StringComparison.Ordinal) || cells[2].Contains(", silo", StringComparison.Ordinal) || cells[2] == "both")
            {
                hosts.Add("Silo");
            }

            foreach (var key in cells[1].Split('`').Where((_, i) => i % 2 == 1).Where(k => k.Contains(':', StringComparison.Ordinal) && char.IsAsciiLetterUpper(k[0])))
            {
                yield return (key, hosts.ToArray());
            }
        }
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
        foreach (var name in start.Environment.Keys.Where(k => _sections.Any(section => k.StartsWith(section + "__", StringComparison.Ordinal))).ToList())
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
        return Path.Combine(Repository(), project, "bin", configuration, framework);
    }

    private static string Repository() =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Parent!.Parent!.Parent!.FullName;
}
