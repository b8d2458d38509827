using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;

namespace Dilemma.Tests.Ice;

/// <summary>A gateway configured for the test run's real coturn (shared secret), shared by a test class.</summary>
public sealed class CoturnGatewayFixture(LocalServices services) : IAsyncLifetime
{
    public const int TtlSeconds = 600;

    public CoturnInstance Coturn { get; private set; } = null!;

    public GatewayFactory Factory { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Coturn = await services.GetCoturnAsync(TestContext.Current.CancellationToken);
        Factory = new GatewayFactory(IceGateway.Coturn(Coturn, TtlSeconds));
        Client = Factory.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }
    }
}

/// <summary>
/// <c>Ice:Provider=coturn</c> against a real coturn: what the gateway hands out allocates a relay, and coturn
/// itself refuses a forged or expired credential. The TURN side is <see cref="TurnClient"/>, not the gateway's code.
/// </summary>
public sealed class CoturnIceTests(CoturnGatewayFixture gateway) : IClassFixture<CoturnGatewayFixture>
{
    [Fact]
    public async Task Ice_config_lists_stun_then_turn_with_expiring_credentials_in_the_browsers_shape()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var (body, userId, _) = await IceGateway.GetIceConfigAsync(gateway.Client, TestContext.Current.CancellationToken);

        IceGateway.AssertBrowserShape(body);
        Assert.True(body.GetProperty("turnEnabled").GetBoolean());
        Assert.Equal("coturn", body.GetProperty("provider").GetString());
        Assert.Equal(CoturnGatewayFixture.TtlSeconds, body.GetProperty("ttl").GetInt32());
        var servers = IceGateway.Servers(body).ToList();
        Assert.Equal(2, servers.Count);
        Assert.Equal([$"stun:127.0.0.1:{gateway.Coturn.Port}"], IceGateway.Urls(servers[0]));
        Assert.False(servers[0].TryGetProperty("username", out _));
        Assert.Equal([gateway.Coturn.UdpUrl, gateway.Coturn.TcpUrl], IceGateway.Urls(servers[1]));

        // username "{expiry}:{userId}", expiry one TTL from now, matching expiresAt.
        var parts = servers[1].GetProperty("username").GetString()!.Split(':');
        Assert.Equal(userId.ToString(CultureInfo.InvariantCulture), parts[1]);
        var expiry = long.Parse(parts[0], CultureInfo.InvariantCulture);
        Assert.InRange(expiry, before + CoturnGatewayFixture.TtlSeconds, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + CoturnGatewayFixture.TtlSeconds);
        Assert.Equal(expiry, body.GetProperty("expiresAt").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.DoesNotContain(gateway.Coturn.Secret, body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Credentials_from_ice_config_allocate_a_relay_on_coturn()
    {
        var ct = TestContext.Current.CancellationToken;
        var (username, credential) = await TurnCredentialsAsync(ct);

        var result = await TurnClient.AllocateAsync(gateway.Coturn.EndPoint, username, credential, ct);

        Assert.True(result.Succeeded, $"Allocate was refused: {result}");
        Assert.Equal(IPAddress.Loopback, result.RelayedAddress!.Address);
        Assert.Equal(gateway.Coturn.Realm, result.Realm);
    }

    [Fact]
    public async Task A_tampered_credential_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var (username, credential) = await TurnCredentialsAsync(ct);
        var tampered = (credential[0] == 'A' ? 'B' : 'A') + credential[1..];

        var result = await TurnClient.AllocateAsync(gateway.Coturn.EndPoint, username, tampered, ct);

        Assert.False(result.Succeeded);
        Assert.Contains(result.ErrorCode, new int?[] { 401, 441 });
    }

    [Fact]
    public async Task A_username_for_another_user_with_the_same_credential_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var (username, credential) = await TurnCredentialsAsync(ct);
        var parts = username.Split(':');
        var otherUser = $"{parts[0]}:{long.Parse(parts[1], CultureInfo.InvariantCulture) + 1}";

        var result = await TurnClient.AllocateAsync(gateway.Coturn.EndPoint, otherUser, credential, ct);

        Assert.False(result.Succeeded);
        Assert.Contains(result.ErrorCode, new int?[] { 401, 441 });
    }

    [Fact]
    public async Task An_expired_username_is_refused_even_when_correctly_signed()
    {
        var ct = TestContext.Current.CancellationToken;
        var secret = Encoding.UTF8.GetBytes(gateway.Coturn.Secret);
        var past = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds();
        var future = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds();

        var expired = await TurnClient.AllocateAsync(gateway.Coturn.EndPoint, $"{past}:42", Sign(secret, $"{past}:42"), ct);
        var valid = await TurnClient.AllocateAsync(gateway.Coturn.EndPoint, $"{future}:42", Sign(secret, $"{future}:42"), ct);

        Assert.False(expired.Succeeded);
        Assert.Contains(expired.ErrorCode, new int?[] { 401, 441 });
        // The same signing with a future expiry works, so only the expiry made the difference.
        Assert.True(valid.Succeeded, $"Allocate was refused: {valid}");
    }

    [Fact]
    public async Task Health_reports_coturn_answered_a_stun_binding()
    {
        var (status, body) = await IceGateway.GetHealthAsync(gateway.Client, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("coturn", body.GetProperty("provider").GetString());
        Assert.True(body.GetProperty("healthy").GetBoolean());
        Assert.True(body.GetProperty("probed").GetBoolean());
        Assert.Contains($"127.0.0.1:{gateway.Coturn.Port} answered", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_shared_secret_is_never_logged()
    {
        var ct = TestContext.Current.CancellationToken;
        await IceGateway.GetIceConfigAsync(gateway.Client, ct);
        await IceGateway.GetHealthAsync(gateway.Client, ct);

        Assert.NotEmpty(gateway.Factory.Logs.Lines);
        Assert.DoesNotContain(gateway.Factory.Logs.Lines, line => line.Contains(gateway.Coturn.Secret, StringComparison.Ordinal));
    }

    private async Task<(string Username, string Credential)> TurnCredentialsAsync(CancellationToken cancellationToken)
    {
        var (body, _, _) = await IceGateway.GetIceConfigAsync(gateway.Client, cancellationToken);
        var turn = IceGateway.Servers(body).Single(server => server.TryGetProperty("username", out _));
        return (turn.GetProperty("username").GetString()!, turn.GetProperty("credential").GetString()!);
    }

#pragma warning disable CA5350 // The TURN REST API scheme coturn checks is HMAC-SHA1.
    private static string Sign(byte[] secret, string username) => Convert.ToBase64String(HMACSHA1.HashData(secret, Encoding.UTF8.GetBytes(username)));
#pragma warning restore CA5350
}

/// <summary>The health check of a coturn that is not there.</summary>
public sealed class CoturnHealthTests
{
    [Fact]
    public async Task Health_is_503_when_coturn_does_not_answer()
    {
        var ct = TestContext.Current.CancellationToken;
        var dead = FreePort.Next();
        var coturn = new CoturnInstance("127.0.0.1", dead, "a-secret-for-a-coturn-that-is-not-there", "nowhere");
        await using var factory = new GatewayFactory(IceGateway.Coturn(coturn));
        using var client = factory.CreateClient();

        var (status, body) = await IceGateway.GetHealthAsync(client, ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("coturn", body.GetProperty("provider").GetString());
        Assert.False(body.GetProperty("healthy").GetBoolean());
        Assert.True(body.GetProperty("probed").GetBoolean());
        Assert.Contains($"127.0.0.1:{dead} did not answer", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
