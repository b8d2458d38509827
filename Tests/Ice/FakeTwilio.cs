using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dilemma.Tests.Ice;

/// <summary>What the fake saw of one request.</summary>
public sealed record TwilioRequest(string Method, string Path, string? Authorization, string? ContentType, IReadOnlyDictionary<string, string> Form);

/// <summary>
/// A local stand-in for Twilio's REST API, over real HTTP on a free loopback port: it answers
/// <c>POST /2010-04-01/Accounts/{AccountSid}/Tokens.json</c> as Twilio documents it (201 with
/// <c>ice_servers</c>, string <c>ttl</c>, RFC 2822 dates; Twilio's error body on 401 and 500), so the
/// gateway's real Twilio SDK is exercised end to end. Point the gateway at it with <c>Ice:Twilio:BaseUrl</c>.
/// </summary>
public sealed class FakeTwilio : IAsyncDisposable
{
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string ApiKeySid = "SKfedcba9876543210fedcba9876543210";
    public const string ApiKeySecret = "fake-twilio-api-key-secret";
    public const string TurnUsername = "4a5c7e8d0b1f2e3d4c5b6a7980f1e2d3c4b5a69788f0e1d2c3b4a5968778f0e1";
    public const string TurnPassword = "tE2aYc0c4zqXf6L3sN9vR1wJ8kH5mB7dG0pQ2uV4xZ6=";

    /// <summary>Host names only; nothing in the tests connects to them.</summary>
    public const string StunUrl = "stun:global.stun.twilio.com:3478";
    public const string TurnUdpUrl = "turn:global.turn.twilio.com:3478?transport=udp";
    public const string TurnTcpUrl = "turn:global.turn.twilio.com:3478?transport=tcp";
    public const string TurnTlsUrl = "turns:global.turn.twilio.com:443?transport=tcp";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<TwilioRequest> _requests = new();

    private FakeTwilio(WebApplication app)
    {
        _app = app;
    }

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every request, in order.</summary>
    public IReadOnlyCollection<TwilioRequest> Requests => _requests;

    /// <summary>When set, every request gets this status with Twilio's error body instead of a token.</summary>
    public int? FailWith { get; set; }

    public static async Task<FakeTwilio> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeTwilio(app);
        app.MapPost("/2010-04-01/Accounts/{accountSid}/Tokens.json", fake.CreateTokenAsync);
        app.MapFallback((HttpContext context) => Error(StatusCodes.Status404NotFound, 20404, $"The requested resource {context.Request.Path} was not found"));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        fake.BaseUrl = new Uri(address);
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> CreateTokenAsync(string accountSid, HttpRequest request)
    {
        var form = request.HasFormContentType
            ? (await request.ReadFormAsync()).ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        _requests.Enqueue(new TwilioRequest(request.Method, request.Path.Value ?? string.Empty, request.Headers.Authorization.ToString(), request.ContentType, form));

        if (FailWith is { } status)
        {
            return Error(status, 20500, "An internal server error has occurred");
        }

        var expected = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{ApiKeySid}:{ApiKeySecret}"));
        if (request.Headers.Authorization.ToString() != expected || accountSid != AccountSid)
        {
            return Error(StatusCodes.Status401Unauthorized, 20003, "Authenticate");
        }

        var ttl = form.TryGetValue("Ttl", out var ttlText) ? ttlText : "86400";
        var now = DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
        // As Twilio answers, except that the UDP entry has only the legacy "url", to prove the gateway still lists it under "urls".
        var body = new Dictionary<string, object?>
        {
            ["account_sid"] = AccountSid,
            ["date_created"] = now,
            ["date_updated"] = now,
            ["ice_servers"] = new object[]
            {
                new Dictionary<string, string> { ["url"] = StunUrl, ["urls"] = StunUrl },
                new Dictionary<string, string> { ["url"] = TurnUdpUrl, ["username"] = TurnUsername, ["credential"] = TurnPassword },
                new Dictionary<string, string> { ["url"] = TurnTcpUrl, ["urls"] = TurnTcpUrl, ["username"] = TurnUsername, ["credential"] = TurnPassword },
                new Dictionary<string, string> { ["url"] = TurnTlsUrl, ["urls"] = TurnTlsUrl, ["username"] = TurnUsername, ["credential"] = TurnPassword },
            },
            ["password"] = TurnPassword,
            ["ttl"] = ttl,
            ["username"] = TurnUsername,
        };
        return Results.Json(body, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>Twilio's error body: code, message, more_info, status.</summary>
    private static IResult Error(int status, int code, string message) => Results.Json(
        new Dictionary<string, object> { ["code"] = code, ["message"] = message, ["more_info"] = $"https://www.twilio.com/docs/errors/{code}", ["status"] = status },
        statusCode: status);
}
