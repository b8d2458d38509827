using System.Net;
using System.Text.Json;
using Dilemma.Tests.Accounts;

namespace Dilemma.Tests.Hosting;

/// <summary>What every deployment must answer at its edge: health, documentation, log hygiene.</summary>
public sealed class EdgeTests(EmbeddedGatewayFixture gateway) : IClassFixture<EmbeddedGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_answers_liveness_without_touching_dependencies()
    {
        var body = await HttpAssert.OkAsync<JsonElement>(await gateway.Client.GetAsync("/health", Ct));

        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("dilemma-gateway", body.GetProperty("service").GetString());
        Assert.True(body.GetProperty("timestamp").TryGetDateTimeOffset(out _));
    }

    [Fact]
    public async Task Ready_in_embedded_mode_says_data_is_not_durable()
    {
        var body = await HttpAssert.OkAsync<JsonElement>(await gateway.Client.GetAsync("/health/ready", Ct));

        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("embedded", body.GetProperty("mode").GetString());
        Assert.False(body.GetProperty("durable").GetBoolean());
        Assert.Contains("data is lost when the process stops", body.GetProperty("checks")[0].GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains(gateway.Factory.Logs.Lines, line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains("Data is NOT durable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Docs_serve_an_interactive_page_and_the_openapi_document_lists_the_auth_contract()
    {
        var page = await gateway.Client.GetAsync("/docs/", Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<div id=\"app\">", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        var document = await HttpAssert.OkAsync<JsonElement>(await gateway.Client.GetAsync("/openapi/v1.json", Ct));
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/auth/register", "/auth/login", "/auth/guest", "/auth/refresh", "/auth/logout", "/auth/me", "/auth/me/consent", "/auth/ws-ticket", "/health" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        }
    }

    [Fact]
    public async Task Query_strings_and_passwords_never_reach_the_logs()
    {
        var secret = "SECRET" + Guid.NewGuid().ToString("N");
        var password = "PW" + Guid.NewGuid().ToString("N");

        await gateway.Client.GetAsync($"/auth/me?token={secret}", Ct);
        await gateway.Client.GetAsync($"/ws/signaling?room_code=123456&token={secret}&ticket={secret}", Ct);
        await gateway.Client.PostJsonAsync("/auth/login", new { username = "nobody_" + secret[..8], password }, Ct);

        Assert.Contains(gateway.Factory.Logs.Lines, line => line.Contains("/auth/me", StringComparison.Ordinal));
        Assert.DoesNotContain(gateway.Factory.Logs.Lines, line => line.Contains(secret, StringComparison.Ordinal));
        Assert.DoesNotContain(gateway.Factory.Logs.Lines, line => line.Contains(password, StringComparison.Ordinal));
    }
}

/// <summary>A login flood costs logins, not the rest of the API.</summary>
public sealed class LoginFloodTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new(new Dictionary<string, string?>
    {
        ["RateLimits:PasswordConcurrency"] = "1",
        ["RateLimits:PasswordQueue"] = "1",
    });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Excess_logins_get_429_while_other_endpoints_keep_answering()
    {
        var client = _factory.CreateClient();
        var name = AuthClient.UniqueName();
        await client.RegisterAsync(name, "password123", Ct);

        var logins = Enumerable.Range(0, 12).Select(_ => client.PostJsonAsync("/auth/login", new { username = name, password = "password123" }, Ct)).ToArray();
        var health = await client.GetAsync("/health", Ct);
        var guest = await client.PostJsonAsync("/auth/guest", new { nickname = "bystander" }, Ct);
        var answers = await Task.WhenAll(logins);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, guest.StatusCode);
        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.OK);
        var rejected = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(rejected);
        await HttpAssert.ProblemAsync(rejected[0], HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Equal("1", rejected[0].Headers.RetryAfter?.ToString());
        Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}
