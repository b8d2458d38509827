using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dilemma.Tests.Hosting;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// Abuse limits on rooms (issue 11, finding 3): opening rooms per user; lookups and joins by code
/// per user and per address, a miss costing more than a hit. Each test runs its own gateway with
/// tight limits (the shared fixtures set limits no test reaches). Test clients have no address, so
/// every user of one gateway shares the address bucket, as a class behind one NAT would.
/// </summary>
public sealed class RoomLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Opening_rooms_over_the_per_user_limit_gets_429_with_retry_after_and_another_user_is_not_affected()
    {
        await using var factory = new GatewayFactory(new Dictionary<string, string?>
        {
            ["RateLimits:Rooms:CreateBurst"] = "2",
            ["RateLimits:Rooms:CreatesPerMinute"] = "1",
        });
        var client = factory.CreateClient();
        var (eager, other) = (await RoomKit.GuestAsync(client, Ct), await RoomKit.GuestAsync(client, Ct));

        await RoomKit.CreateRoomAsync(eager, Ct);
        await RoomKit.CreateRoomAsync(eager, Ct, isPublic: false);
        var third = await eager.PostAsync("/rooms/public", new { title = "third", topic = RoomKit.Topic }, Ct);
        var quick = await eager.PostAsync("/rooms/quick-join", new { topic = RoomKit.Topic, nickname = "q" }, Ct);

        await AssertRateLimitedAsync(third, 60);
        await AssertRateLimitedAsync(quick, 60);
        await RoomKit.CreateRoomAsync(other, Ct);
        Assert.Equal(HttpStatusCode.OK, (await eager.GetAsync("/rooms", Ct)).StatusCode);
    }

    [Fact]
    public async Task Guests_signed_in_one_after_another_share_their_address_limit_on_opening_rooms()
    {
        await using var factory = new GatewayFactory(new Dictionary<string, string?>
        {
            ["RateLimits:Rooms:CreateBurst"] = "2",
            ["RateLimits:Rooms:CreatesPerMinute"] = "1",
            ["RateLimits:Rooms:CreateBurstPerAddress"] = "3",
            ["RateLimits:Rooms:CreatesPerMinutePerAddress"] = "1",
        });
        var client = factory.CreateClient();
        var (first, second, fresh) = (await RoomKit.GuestAsync(client, Ct), await RoomKit.GuestAsync(client, Ct), await RoomKit.GuestAsync(client, Ct));

        await RoomKit.CreateRoomAsync(first, Ct);
        await RoomKit.CreateRoomAsync(first, Ct);
        await RoomKit.CreateRoomAsync(second, Ct, isPublic: false);

        // Each still has permits of their own; the address has none left, whichever guest asks.
        await AssertRateLimitedAsync(await second.PostAsync("/rooms/public", new { title = "second's second", topic = RoomKit.Topic }, Ct), 60);
        await AssertRateLimitedAsync(await fresh.PostAsync("/rooms/private", new { title = "a fresh guest's", topic = RoomKit.Topic }, Ct), 60);
        await AssertRateLimitedAsync(await fresh.PostAsync("/rooms/quick-join", new { topic = RoomKit.Topic, nickname = "q" }, Ct), 60);
        var listed = await HttpAssert.OkAsync<JsonElement>(await fresh.GetAsync("/rooms", Ct));
        Assert.Equal(2, listed.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_user_runs_out_after_two_misses_where_five_hits_cost_nothing_like_it()
    {
        await using var factory = new GatewayFactory(new Dictionary<string, string?>
        {
            ["RateLimits:Rooms:LookupBurstPerUser"] = "10",
            ["RateLimits:Rooms:LookupsPerMinutePerUser"] = "1",
            ["RateLimits:Rooms:MissCost"] = "5",
        });
        var client = factory.CreateClient();
        var (host, guesser, visitor) = (await RoomKit.GuestAsync(client, Ct), await RoomKit.GuestAsync(client, Ct), await RoomKit.GuestAsync(client, Ct));
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));
        var unknown = code == "000000" ? "000001" : "000000";

        await HttpAssert.ProblemAsync(await guesser.GetAsync($"/rooms/{unknown}", Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await guesser.PostAsync("/rooms/join", new { room_code = unknown, nickname = "g" }, Ct), HttpStatusCode.NotFound, "room_not_found");
        await AssertRateLimitedAsync(await guesser.GetAsync($"/rooms/{code}", Ct), 60);
        await AssertRateLimitedAsync(await guesser.PostAsync("/rooms/join", new { room_code = code, nickname = "g" }, Ct), 60);

        for (var i = 0; i < 5; i++)
        {
            await HttpAssert.OkAsync<JsonElement>(await visitor.GetAsync($"/rooms/{code}", Ct));
        }

        await RoomKit.JoinAsync(visitor, code, Ct);
    }

    [Fact]
    public async Task Misses_from_one_address_turn_away_every_user_of_that_address()
    {
        await using var factory = new GatewayFactory(new Dictionary<string, string?>
        {
            ["RateLimits:Rooms:LookupBurstPerAddress"] = "8",
            ["RateLimits:Rooms:LookupsPerMinutePerAddress"] = "1",
            ["RateLimits:Rooms:MissCost"] = "4",
        });
        var client = factory.CreateClient();
        var (host, guesser, neighbour) = (await RoomKit.GuestAsync(client, Ct), await RoomKit.GuestAsync(client, Ct), await RoomKit.GuestAsync(client, Ct));
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct, isPublic: false));
        var unknown = code == "000000" ? "000001" : "000000";

        await HttpAssert.ProblemAsync(await guesser.GetAsync($"/rooms/{unknown}", Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await guesser.GetAsync($"/rooms/{unknown}", Ct), HttpStatusCode.NotFound, "room_not_found");

        await AssertRateLimitedAsync(await neighbour.PostAsync("/rooms/join", new { room_code = code, nickname = "n" }, Ct), 60 * 4);
        Assert.Equal(HttpStatusCode.OK, (await neighbour.GetAsync("/rooms", Ct)).StatusCode);
    }

    [Fact]
    public async Task Requests_without_a_token_spend_nothing_of_their_address_limits()
    {
        await using var factory = new GatewayFactory(new Dictionary<string, string?>
        {
            ["RateLimits:Rooms:CreateBurstPerAddress"] = "2",
            ["RateLimits:Rooms:CreatesPerMinutePerAddress"] = "1",
            ["RateLimits:Rooms:LookupBurstPerAddress"] = "4",
            ["RateLimits:Rooms:LookupsPerMinutePerAddress"] = "1",
            ["RateLimits:Rooms:MissCost"] = "2",
        });
        var client = factory.CreateClient();
        var host = await RoomKit.GuestAsync(client, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct, isPublic: false));

        for (var i = 0; i < 5; i++)
        {
            await HttpAssert.ProblemAsync(await client.PostAsJsonAsync("/rooms/public", new { title = "no token", topic = RoomKit.Topic }, Ct), HttpStatusCode.Unauthorized, "missing_token");
            await HttpAssert.ProblemAsync(await client.GetAsync($"/rooms/{code}", Ct), HttpStatusCode.Unauthorized, "missing_token");
        }

        var classmate = await RoomKit.GuestAsync(client, Ct);
        await RoomKit.CreateRoomAsync(classmate, Ct);
        await RoomKit.JoinAsync(classmate, code, Ct);
    }

    private static async Task AssertRateLimitedAsync(HttpResponseMessage response, int maxRetryAfter)
    {
        await HttpAssert.ProblemAsync(response, HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.InRange(int.Parse(response.Headers.RetryAfter!.ToString(), CultureInfo.InvariantCulture), 1, maxRetryAfter);
    }
}
