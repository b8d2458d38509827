using System.Net;
using System.Text.Json;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Infrastructure;

namespace Dilemma.Tests.Ice;

/// <summary>Gateway settings for each ICE provider, and the two calls the tests make.</summary>
public static class IceGateway
{
    public static Dictionary<string, string?> Coturn(CoturnInstance coturn, int ttlSeconds = 600) => new()
    {
        ["Ice:Provider"] = "coturn",
        // coturn answers STUN too; listing it keeps every URL the tests hand out on loopback.
        ["Ice:StunUrls:0"] = $"stun:{coturn.Host}:{coturn.Port}",
        ["Ice:Coturn:Urls:0"] = coturn.UdpUrl,
        ["Ice:Coturn:Urls:1"] = coturn.TcpUrl,
        ["Ice:Coturn:Secret"] = coturn.Secret,
        ["Ice:Coturn:Realm"] = coturn.Realm,
        ["Ice:Coturn:TtlSeconds"] = ttlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static Dictionary<string, string?> Twilio(Uri baseUrl, int ttlSeconds = 1200) => new()
    {
        ["Ice:Provider"] = "twilio",
        ["Ice:Twilio:AccountSid"] = FakeTwilio.AccountSid,
        ["Ice:Twilio:ApiKeySid"] = FakeTwilio.ApiKeySid,
        ["Ice:Twilio:ApiKeySecret"] = FakeTwilio.ApiKeySecret,
        ["Ice:Twilio:TtlSeconds"] = ttlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Ice:Twilio:BaseUrl"] = baseUrl.AbsoluteUri,
    };

    /// <summary>A loopback URL nothing listens on.</summary>
    public static Uri DeadBaseUrl() => new($"http://127.0.0.1:{FreePort.Next()}/");

    /// <summary>Signs in a fresh guest and asks for ICE servers; asserts 200 and returns the body and the guest's id.</summary>
    public static async Task<(JsonElement Body, long UserId, HttpResponseMessage Response)> GetIceConfigAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var guest = await client.GuestAsync(cancellationToken);
        var response = await client.SendAsync(AuthClient.Authorized(HttpMethod.Get, "/webrtc/ice-config", guest.AccessToken), cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200 from /webrtc/ice-config, got {(int)response.StatusCode}: {text}");
        return (JsonDocument.Parse(text).RootElement.Clone(), guest.UserId, response);
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> GetHealthAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var response = await client.GetAsync("/webrtc/health", cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>The RTCConfiguration shape: exactly these camelCase members, and every <c>urls</c> an array of strings.</summary>
    public static void AssertBrowserShape(JsonElement body)
    {
        Assert.Equal(
            ["expiresAt", "fallback", "iceServers", "provider", "ttl", "turnEnabled"],
            body.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.True(body.GetProperty("ttl").GetInt32() > 0);
        foreach (var server in body.GetProperty("iceServers").EnumerateArray())
        {
            Assert.All(server.EnumerateObject(), p => Assert.Contains(p.Name, new[] { "urls", "username", "credential" }));
            var urls = server.GetProperty("urls");
            Assert.Equal(JsonValueKind.Array, urls.ValueKind);
            Assert.NotEmpty(urls.EnumerateArray());
            Assert.All(urls.EnumerateArray(), url => Assert.Equal(JsonValueKind.String, url.ValueKind));
            foreach (var name in new[] { "username", "credential" })
            {
                // Omitted when there is none, never null.
                if (server.TryGetProperty(name, out var value))
                {
                    Assert.Equal(JsonValueKind.String, value.ValueKind);
                }
            }
        }
    }

    public static IEnumerable<JsonElement> Servers(JsonElement body) => body.GetProperty("iceServers").EnumerateArray();

    public static IEnumerable<string> Urls(JsonElement server) => server.GetProperty("urls").EnumerateArray().Select(u => u.GetString()!);
}
