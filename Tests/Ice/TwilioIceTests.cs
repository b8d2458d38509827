using System.Net;
using System.Text;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;

namespace Dilemma.Tests.Ice;

/// <summary>A gateway whose Twilio SDK talks to a <see cref="FakeTwilio"/> over real HTTP, shared by a test class.</summary>
public sealed class TwilioGatewayFixture : IAsyncLifetime
{
    public const int TtlSeconds = 1200;

    public FakeTwilio Twilio { get; private set; } = null!;

    public GatewayFactory Factory { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Twilio = await FakeTwilio.StartAsync(TestContext.Current.CancellationToken);
        Factory = new GatewayFactory(IceGateway.Twilio(Twilio.BaseUrl, TtlSeconds));
        Client = Factory.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }

        if (Twilio is not null)
        {
            await Twilio.DisposeAsync();
        }
    }
}

/// <summary><c>Ice:Provider=twilio</c>: the official SDK's request, Twilio's entries in the browser's shape, one token per process.</summary>
public sealed class TwilioIceTests(TwilioGatewayFixture gateway) : IClassFixture<TwilioGatewayFixture>
{
    [Fact]
    public async Task The_sdk_posts_to_tokens_json_with_basic_auth_and_the_ttl()
    {
        await IceGateway.GetIceConfigAsync(gateway.Client, TestContext.Current.CancellationToken);

        var request = gateway.Twilio.Requests.First();
        Assert.Equal("POST", request.Method);
        Assert.Equal($"/2010-04-01/Accounts/{FakeTwilio.AccountSid}/Tokens.json", request.Path);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{FakeTwilio.ApiKeySid}:{FakeTwilio.ApiKeySecret}")), request.Authorization);
        Assert.StartsWith("application/x-www-form-urlencoded", request.ContentType, StringComparison.Ordinal);
        Assert.Equal("1200", request.Form["Ttl"]);
    }

    [Fact]
    public async Task Twilio_entries_are_normalized_to_rtc_ice_servers()
    {
        var (body, _, _) = await IceGateway.GetIceConfigAsync(gateway.Client, TestContext.Current.CancellationToken);

        IceGateway.AssertBrowserShape(body);
        Assert.Equal("twilio", body.GetProperty("provider").GetString());
        Assert.True(body.GetProperty("turnEnabled").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("fallback").ValueKind);
        Assert.InRange(body.GetProperty("ttl").GetInt32(), TwilioGatewayFixture.TtlSeconds - 120, TwilioGatewayFixture.TtlSeconds);
        var servers = IceGateway.Servers(body).ToList();
        Assert.Equal(
            [[FakeTwilio.StunUrl], [FakeTwilio.TurnUdpUrl], [FakeTwilio.TurnTcpUrl], [FakeTwilio.TurnTlsUrl]],
            servers.Select(server => IceGateway.Urls(server).ToArray()));
        Assert.False(servers[0].TryGetProperty("username", out _));
        Assert.False(servers[0].TryGetProperty("credential", out _));
        Assert.All(servers.Skip(1), server =>
        {
            Assert.Equal(FakeTwilio.TurnUsername, server.GetProperty("username").GetString());
            Assert.Equal(FakeTwilio.TurnPassword, server.GetProperty("credential").GetString());
            Assert.False(server.TryGetProperty("url", out _));
        });
    }

    [Fact]
    public async Task The_token_is_cached_so_a_second_call_makes_no_request_to_twilio()
    {
        var ct = TestContext.Current.CancellationToken;
        await IceGateway.GetIceConfigAsync(gateway.Client, ct);
        var requests = gateway.Twilio.Requests.Count;

        var (second, _, _) = await IceGateway.GetIceConfigAsync(gateway.Client, ct);

        Assert.Equal(requests, gateway.Twilio.Requests.Count);
        Assert.Equal("twilio", second.GetProperty("provider").GetString());
    }

    [Fact]
    public async Task Health_fetches_a_token()
    {
        var requests = gateway.Twilio.Requests.Count;

        var (status, body) = await IceGateway.GetHealthAsync(gateway.Client, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("twilio", body.GetProperty("provider").GetString());
        Assert.True(body.GetProperty("healthy").GetBoolean());
        Assert.True(body.GetProperty("probed").GetBoolean());
        Assert.Equal(requests + 1, gateway.Twilio.Requests.Count);
    }

    [Fact]
    public async Task Twilio_credentials_are_never_logged()
    {
        var ct = TestContext.Current.CancellationToken;
        await IceGateway.GetIceConfigAsync(gateway.Client, ct);
        await IceGateway.GetHealthAsync(gateway.Client, ct);

        Assert.DoesNotContain(gateway.Factory.Logs.Lines, line => line.Contains(FakeTwilio.ApiKeySecret, StringComparison.Ordinal));
    }
}

/// <summary>When Twilio fails, the next provider serves, and both the answer and <c>/webrtc/health</c> say so.</summary>
public sealed class TwilioFallbackTests(LocalServices services)
{
    [Fact]
    public async Task Twilio_answering_500_falls_back_to_coturn_whose_credentials_work()
    {
        var ct = TestContext.Current.CancellationToken;
        var coturn = await services.GetCoturnAsync(ct);
        await using var twilio = await FakeTwilio.StartAsync(ct);
        twilio.FailWith = 500;
        var settings = IceGateway.Twilio(twilio.BaseUrl);
        foreach (var (key, value) in IceGateway.Coturn(coturn).Where(pair => pair.Key.StartsWith("Ice:Coturn:", StringComparison.Ordinal)))
        {
            settings[key] = value;
        }

        await using var factory = new GatewayFactory(settings);
        using var client = factory.CreateClient();

        var (body, _, _) = await IceGateway.GetIceConfigAsync(client, ct);

        Assert.NotEmpty(twilio.Requests);
        IceGateway.AssertBrowserShape(body);
        Assert.Equal("coturn", body.GetProperty("provider").GetString());
        Assert.True(body.GetProperty("turnEnabled").GetBoolean());
        Assert.Contains("500", body.GetProperty("fallback").GetString(), StringComparison.Ordinal);
        var turn = IceGateway.Servers(body).Single(server => server.TryGetProperty("username", out _));
        var allocation = await TurnClient.AllocateAsync(coturn.EndPoint, turn.GetProperty("username").GetString()!, turn.GetProperty("credential").GetString()!, ct);
        Assert.True(allocation.Succeeded, $"Allocate was refused: {allocation}");

        var (status, health) = await IceGateway.GetHealthAsync(client, ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("twilio", health.GetProperty("provider").GetString());
        Assert.False(health.GetProperty("healthy").GetBoolean());
        Assert.Contains("500", health.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var fallback = health.GetProperty("fallback");
        Assert.Equal("coturn", fallback.GetProperty("provider").GetString());
        Assert.True(fallback.GetProperty("healthy").GetBoolean());
    }

    [Fact]
    public async Task Twilio_unreachable_falls_back_to_stun_when_coturn_is_not_configured()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var factory = new GatewayFactory(IceGateway.Twilio(IceGateway.DeadBaseUrl()));
        using var client = factory.CreateClient();

        var (body, _, _) = await IceGateway.GetIceConfigAsync(client, ct);

        IceGateway.AssertBrowserShape(body);
        Assert.Equal("stun", body.GetProperty("provider").GetString());
        Assert.False(body.GetProperty("turnEnabled").GetBoolean());
        Assert.Contains("could not be reached", body.GetProperty("fallback").GetString(), StringComparison.Ordinal);
        Assert.All(IceGateway.Servers(body), server => Assert.False(server.TryGetProperty("username", out _)));

        var (status, health) = await IceGateway.GetHealthAsync(client, ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("twilio", health.GetProperty("provider").GetString());
        Assert.False(health.GetProperty("healthy").GetBoolean());
        Assert.Equal("stun", health.GetProperty("fallback").GetProperty("provider").GetString());
    }
}
