using System.Net;
using System.Text.Json;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;

namespace Dilemma.Tests.Ice;

/// <summary><c>/webrtc</c> with no ICE settings: STUN only, and the public STUN server is listed but never contacted.</summary>
public sealed class StunIceTests(EmbeddedGatewayFixture gateway) : IClassFixture<EmbeddedGatewayFixture>
{
    [Fact]
    public async Task Ice_config_without_a_token_is_401()
    {
        var response = await gateway.Client.GetAsync("/webrtc/ice-config", TestContext.Current.CancellationToken);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.Unauthorized, "missing_token");
    }

    [Fact]
    public async Task Default_is_stun_only_in_the_browsers_shape_without_credentials()
    {
        var (body, _, response) = await IceGateway.GetIceConfigAsync(gateway.Client, TestContext.Current.CancellationToken);

        IceGateway.AssertBrowserShape(body);
        Assert.False(body.GetProperty("turnEnabled").GetBoolean());
        Assert.Equal("stun", body.GetProperty("provider").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("fallback").ValueKind);
        var server = Assert.Single(IceGateway.Servers(body));
        Assert.Equal(["stun:stun.l.google.com:19302"], IceGateway.Urls(server));
        Assert.False(server.TryGetProperty("username", out _));
        Assert.False(server.TryGetProperty("credential", out _));
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Health_says_stun_is_not_probed_by_default()
    {
        var (status, body) = await IceGateway.GetHealthAsync(gateway.Client, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("stun", body.GetProperty("provider").GetString());
        Assert.True(body.GetProperty("healthy").GetBoolean());
        Assert.False(body.GetProperty("probed").GetBoolean());
        Assert.Contains("not probed", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}

/// <summary><c>Ice:ProbeStun=true</c>: the health check sends a real Binding request to each listed STUN server (here, the test coturn).</summary>
public sealed class StunProbeTests(LocalServices services)
{
    [Fact]
    public async Task Health_probes_stun_servers_when_asked_to()
    {
        var ct = TestContext.Current.CancellationToken;
        var coturn = await services.GetCoturnAsync(ct);
        var dead = FreePort.Next();
        await using var factory = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Ice:ProbeStun"] = "true",
            ["Ice:StunUrls:0"] = $"stun:{coturn.Host}:{coturn.Port}",
            ["Ice:StunUrls:1"] = $"stun:127.0.0.1:{dead}",
        });
        using var client = factory.CreateClient();

        var (status, body) = await IceGateway.GetHealthAsync(client, ct);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("probed").GetBoolean());
        var detail = body.GetProperty("detail").GetString()!;
        Assert.Contains($"127.0.0.1:{coturn.Port} answered", detail, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{dead} did not answer", detail, StringComparison.Ordinal);
    }
}
