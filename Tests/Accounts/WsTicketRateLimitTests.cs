using System.Globalization;
using System.Net;
using System.Text.Json;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;

namespace Dilemma.Tests.Accounts;

/// <summary>
/// <c>POST /auth/ws-ticket</c> is limited per user and per address: each ticket is a grain kept for its lifetime, so a caller
/// asking in a loop would fill the silo with tickets nobody uses.
/// </summary>
public sealed class WsTicketRateLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_user_asking_for_tickets_in_a_loop_gets_429_with_retry_after_and_another_user_does_not()
    {
        await using var factory = new GatewayFactory(new Dictionary<string, string?> { ["RateLimits:WsTicketsPerMinute"] = "3" });
        var client = factory.CreateClient();
        var (eager, other) = (await RoomKit.GuestAsync(client, Ct), await RoomKit.GuestAsync(client, Ct));

        for (var i = 0; i < 3; i++)
        {
            await HttpAssert.OkAsync<JsonElement>(await eager.PostAsync("/auth/ws-ticket", null, Ct));
        }

        await AssertRefusedAsync(await eager.PostAsync("/auth/ws-ticket", null, Ct), "3 WebSocket tickets a minute");
        await HttpAssert.OkAsync<JsonElement>(await other.PostAsync("/auth/ws-ticket", null, Ct));
        Assert.Equal(HttpStatusCode.OK, (await eager.GetAsync("/auth/me", Ct)).StatusCode);
    }

    [Fact]
    public async Task Users_of_one_address_share_its_limit()
    {
        // Test clients have no address: every user of this gateway is one address, as a class behind one NAT is.
        await using var factory = new GatewayFactory(new Dictionary<string, string?>
        {
            ["RateLimits:WsTicketsPerMinute"] = "2",
            ["RateLimits:WsTicketsPerMinutePerAddress"] = "3",
        });
        var client = factory.CreateClient();
        var (first, second, fresh) = (await RoomKit.GuestAsync(client, Ct), await RoomKit.GuestAsync(client, Ct), await RoomKit.GuestAsync(client, Ct));

        await HttpAssert.OkAsync<JsonElement>(await first.PostAsync("/auth/ws-ticket", null, Ct));
        await HttpAssert.OkAsync<JsonElement>(await first.PostAsync("/auth/ws-ticket", null, Ct));
        await HttpAssert.OkAsync<JsonElement>(await second.PostAsync("/auth/ws-ticket", null, Ct));

        // second and fresh have tickets of their own left; their address has none.
        foreach (var player in new[] { second, fresh })
        {
            await AssertRefusedAsync(await player.PostAsync("/auth/ws-ticket", null, Ct), "one address 3");
        }
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage refused, string detail)
    {
        var problem = await HttpAssert.ProblemAsync(refused, HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.InRange(int.Parse(refused.Headers.RetryAfter!.ToString(), CultureInfo.InvariantCulture), 1, 60);
    }
}
