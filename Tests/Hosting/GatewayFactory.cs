using Dilemma.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dilemma.Tests.Hosting;

/// <summary>
/// The real gateway (its own Program) in this process, configured the way an operator would:
/// through settings. Embedded by default, with free ports so test classes can run side by side.
/// </summary>
public sealed class GatewayFactory : WebApplicationFactory<Program>
{
    public const string JwtKey = "dilemma-tests-signing-key-0123456789abcdef";

    /// <summary>A rate limit no test reaches.</summary>
    public const string Generous = "1000000";

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    /// <param name="settings">Configuration on top of the defaults.</param>
    /// <param name="services">Changes to the gateway's services after its own (a test's exporter).</param>
    public GatewayFactory(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        _settings = new Dictionary<string, string?>
        {
            ["Cluster:Mode"] = "Embedded",
            ["Cluster:SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Auth:JwtKey"] = JwtKey,
            // Every test signs in from one address (TestServer has none), and many create rooms by the
            // dozen: room limits high enough never to matter. RoomLimitTests sets tight ones.
            ["RateLimits:Rooms:CreateBurst"] = Generous,
            ["RateLimits:Rooms:CreatesPerMinute"] = Generous,
            ["RateLimits:Rooms:CreateBurstPerAddress"] = Generous,
            ["RateLimits:Rooms:CreatesPerMinutePerAddress"] = Generous,
            ["RateLimits:Rooms:LookupBurstPerUser"] = Generous,
            ["RateLimits:Rooms:LookupsPerMinutePerUser"] = Generous,
            ["RateLimits:Rooms:LookupBurstPerAddress"] = Generous,
            ["RateLimits:Rooms:LookupsPerMinutePerAddress"] = Generous,
            ["RateLimits:AiScenariosPerMinutePerAddress"] = Generous,
            ["RateLimits:AiAnswersPerMinute"] = Generous,
            ["RateLimits:AiAnswersPerMinutePerAddress"] = Generous,
            ["RateLimits:WsTicketsPerMinute"] = Generous,
            ["RateLimits:WsTicketsPerMinutePerAddress"] = Generous,
            ["RateLimits:Auth:GuestSignInsPerWindow"] = Generous,
            ["RateLimits:Auth:RegistrationsPerWindow"] = Generous,

            // Tests compare exported user ids with the accounts they played; PseudonymTests turn pseudonyms on.
            ["Research:Pseudonymise"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    /// <summary>
    /// Serves the gateway from real Kestrel on a free loopback port (for WebSocket clients); returns its address.
    /// <paramref name="managementPort"/>, the port of <c>Telemetry:MetricsUrls</c>, is listened on too.
    /// </summary>
    public Uri StartKestrel(int? managementPort = null)
    {
        if (_kestrelAddress is null)
        {
            // Port 0: Kestrel binds a port the kernel picks and says which, so no gap between finding a port and binding it.
            UseKestrel(options =>
            {
                options.Listen(System.Net.IPAddress.Loopback, 0);
                if (managementPort is { } management)
                {
                    options.Listen(System.Net.IPAddress.Loopback, management);
                }
            });
            StartServer();
            var bound = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
                .Select(address => new Uri(address))
                .Single(address => address.Port != managementPort);
            _kestrelAddress = new Uri($"http://127.0.0.1:{bound.Port}");
        }

        return _kestrelAddress;
    }

    private Uri? _kestrelAddress;

    /// <summary>Every log line the gateway wrote, for tests about what must never be logged.</summary>
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.UseEnvironment("Testing");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.ConfigureServices(SeparateMeterFactory.Use);
        if (_services is not null)
        {
            builder.ConfigureServices(_services);
        }
    }
}
