using System.Net;
using Dilemma.Gateway.Edge;
using Dilemma.Tests.Hosting;

namespace Dilemma.Tests.Compatibility;

/// <summary>CORS as shipped: none by default (the built-in app is same-origin), and the one rule for a configured origin.</summary>
public sealed class CrossOriginTests(EmbeddedGatewayFixture gateway) : IClassFixture<EmbeddedGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_no_origins_configured_no_origin_gets_cors_headers()
    {
        using var preflight = await gateway.Client.SendAsync(OriginalFrontEnd.Preflight("http://localhost:3000", HttpMethod.Post, "/auth/guest", ["content-type"]), Ct);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/guest");
        request.Headers.Add("Origin", "http://localhost:3000");
        using var call = await gateway.Client.SendAsync(request, Ct);

        Assert.DoesNotContain(preflight.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.DoesNotContain(call.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("https://game.example.org", true)]
    [InlineData("http://localhost:3000", true)]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("https://game.example.org/", false)]
    [InlineData("https://game.example.org/app", false)]
    [InlineData("https://game.example.org:443", false)]
    [InlineData("https://game.example.org?x=1", false)]
    [InlineData("https://user@game.example.org", false)]
    [InlineData("game.example.org", false)]
    [InlineData("ws://game.example.org", false)]
    [InlineData("*", false)]
    [InlineData("", false)]
    public void A_configured_origin_is_written_as_a_browser_sends_it(string value, bool valid)
    {
        Assert.Equal(valid, Origins.IsOrigin(value));
        Assert.Equal(valid, Origins.Check([value]) is null);
    }
}
