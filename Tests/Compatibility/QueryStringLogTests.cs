using System.Net;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;

namespace Dilemma.Tests.Compatibility;

/// <summary>
/// The legacy forms put credentials in URLs (a guest id, an access token), so no log may hold a
/// query string, even when an operator turns ASP.NET Core's logging all the way up, including the
/// host's own request lines ("Request starting POST http://…/auth/guest?guest_id=…").
/// </summary>
public sealed class QueryStringLogTests
{
    private const string Capture = "Dilemma.Tests.Hosting.CapturedLogs";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Turned up for every provider (Logging:LogLevel), or for one provider by name (Logging:{provider}:LogLevel), which
    /// .NET lets override every rule not naming that provider.
    /// </summary>
    [Theory]
    [InlineData("Logging")]
    [InlineData("Logging:" + Capture)]
    public async Task Query_strings_stay_out_of_the_logs_at_every_log_level(string section)
    {
        await using var factory = new GatewayFactory(new Dictionary<string, string?>
        {
            [$"{section}:LogLevel:Default"] = "Trace",
            [$"{section}:LogLevel:Microsoft.AspNetCore"] = "Trace",
            [$"{section}:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
            [$"{section}:LogLevel:Orleans"] = "Warning",
        });
        var client = factory.CreateClient();
        var guestId = "GUESTID" + Guid.NewGuid().ToString("N");
        var guest = await HttpAssert.OkAsync<TokenPair>(await client.PostAsync($"/auth/guest?guest_id={guestId}&nickname=logcheck", null, Ct));
        var token = guest.AccessToken;

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/webrtc/ice-config?token={token}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/webrtc/ice-config?token={token}x", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/auth/me?token={token}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/ws/signaling?room_code=123456&token={token}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/ws/voice/123456?token={token}", Ct)).StatusCode);

        var lines = factory.Logs.Lines.ToList();
        Assert.Contains(lines, line => line.StartsWith("Trace Microsoft.AspNetCore", StringComparison.Ordinal) || line.StartsWith("Debug Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("/webrtc/ice-config", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains(guestId, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains(token, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains(token[^20..], StringComparison.Ordinal));
    }
}
