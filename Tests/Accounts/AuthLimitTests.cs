using System.Net;
using Dilemma.Tests.Hosting;

namespace Dilemma.Tests.Accounts;

/// <summary>A gateway with tight per-address sign-up limits (the shared fixtures set generous ones).</summary>
public sealed class TightAuthLimitsFixture : IAsyncLifetime
{
    public const int GuestsPerWindow = 3;
    public const int RegistrationsPerWindow = 2;

    public GatewayFactory Factory { get; } = new(new Dictionary<string, string?>
    {
        ["RateLimits:Auth:GuestSignInsPerWindow"] = GuestsPerWindow.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimits:Auth:RegistrationsPerWindow"] = RegistrationsPerWindow.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimits:Auth:WindowSeconds"] = "3600",
        ["RateLimits:Auth:WindowSegments"] = "1",
        ["RateLimits:PasswordConcurrency"] = "1",
        ["RateLimits:PasswordQueue"] = "0",
        ["Edge:TrustedProxies:0"] = TrustedProxyNetwork,
    });

    public const string TrustedProxyNetwork = "10.9.0.0/16";

    public ValueTask InitializeAsync()
    {
        _ = Factory.Server;
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
}

/// <summary>
/// Sign-up limits per client address, and the password endpoints' concurrency per address: each
/// request here comes from an address the test names, through the test server.
/// </summary>
public sealed class AuthLimitTests(TightAuthLimitsFixture gateway) : IClassFixture<TightAuthLimitsFixture>
{
    private const string Password = "correct horse battery";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Guest_sign_ins_beyond_the_limit_of_one_address_get_429_with_retry_after_and_others_still_sign_in()
    {
        for (var i = 0; i < TightAuthLimitsFixture.GuestsPerWindow; i++)
        {
            await HttpAssert.OkAsync<TokenPair>(await PostFromAsync("10.1.0.1", "/auth/guest", new { nickname = "g" }));
        }

        var refused = await PostFromAsync("10.1.0.1", "/auth/guest", new { nickname = "g" });

        await HttpAssert.ProblemAsync(refused, HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {refused.Headers.RetryAfter}");
        await HttpAssert.OkAsync<TokenPair>(await PostFromAsync("10.1.0.2", "/auth/guest", new { nickname = "g" }));
    }

    [Fact]
    public async Task Registrations_beyond_the_limit_of_one_address_get_429_with_retry_after_and_others_still_register()
    {
        for (var i = 0; i < TightAuthLimitsFixture.RegistrationsPerWindow; i++)
        {
            await HttpAssert.OkAsync<TokenPair>(await PostFromAsync("10.2.0.1", "/auth/register", new { username = AuthClient.UniqueName(), password = Password }), HttpStatusCode.Created);
        }

        var refused = await PostFromAsync("10.2.0.1", "/auth/register", new { username = AuthClient.UniqueName(), password = Password });

        await HttpAssert.ProblemAsync(refused, HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {refused.Headers.RetryAfter}");
        await HttpAssert.OkAsync<TokenPair>(await PostFromAsync("10.2.0.2", "/auth/register", new { username = AuthClient.UniqueName(), password = Password }), HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_login_flood_from_one_address_on_one_account_does_not_turn_away_another_persons_login()
    {
        var victim = AuthClient.UniqueName("vic");
        var bystander = AuthClient.UniqueName("bys");
        await HttpAssert.OkAsync<TokenPair>(await PostFromAsync("10.3.0.3", "/auth/register", new { username = victim, password = Password }), HttpStatusCode.Created);
        await HttpAssert.OkAsync<TokenPair>(await PostFromAsync("10.3.0.3", "/auth/register", new { username = bystander, password = Password }), HttpStatusCode.Created);

        var flood = Enumerable.Range(0, 16).Select(_ => PostFromAsync("10.3.0.1", "/auth/login", new { username = victim, password = "a wrong guess" })).ToList();
        var login = await PostFromAsync("10.3.0.2", "/auth/login", new { username = bystander, password = Password });
        var flooded = await Task.WhenAll(flood);

        await HttpAssert.OkAsync<TokenPair>(login);
        Assert.All(flooded, answer => Assert.Contains((int)answer.StatusCode, new[] { 401, 429 }));
        Assert.Contains(flooded, answer => answer.StatusCode == HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit_and_untrusted_peers_cannot_pick_one()
    {
        for (var i = 0; i < TightAuthLimitsFixture.GuestsPerWindow; i++)
        {
            await HttpAssert.OkAsync<TokenPair>(await PostFromAsync("10.9.0.1", "/auth/guest", new { nickname = "g" }, forwardedFor: "198.51.100.7"));
        }

        await HttpAssert.ProblemAsync(await PostFromAsync("10.9.0.1", "/auth/guest", new { nickname = "g" }, forwardedFor: "198.51.100.7"), HttpStatusCode.TooManyRequests, "rate_limited");
        await HttpAssert.OkAsync<TokenPair>(await PostFromAsync("10.9.0.1", "/auth/guest", new { nickname = "g" }, forwardedFor: "198.51.100.8"));

        // A peer that is not a trusted proxy is its own client, whatever it claims to forward.
        for (var i = 0; i < TightAuthLimitsFixture.GuestsPerWindow; i++)
        {
            await HttpAssert.OkAsync<TokenPair>(await PostFromAsync("10.4.0.1", "/auth/guest", new { nickname = "g" }, forwardedFor: $"198.51.100.{20 + i}"));
        }

        await HttpAssert.ProblemAsync(await PostFromAsync("10.4.0.1", "/auth/guest", new { nickname = "g" }, forwardedFor: "198.51.100.30"), HttpStatusCode.TooManyRequests, "rate_limited");
    }

    /// <summary>A JSON POST as if from <paramref name="address"/>: the test server's handler sets the connection's remote address.</summary>
    private async Task<HttpResponseMessage> PostFromAsync(string address, string path, object body, string? forwardedFor = null)
    {
        var remote = IPAddress.Parse(address);
        using var client = new HttpClient(gateway.Factory.Server.CreateHandler(context => context.Connection.RemoteIpAddress = remote))
        {
            BaseAddress = new Uri("http://localhost"),
        };
        if (forwardedFor is not null)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        }

        var response = await client.PostJsonAsync(path, body, Ct);
        await response.Content.LoadIntoBufferAsync(Ct);
        return response;
    }
}
