using System.Net;
using System.Text.Json;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;

namespace Dilemma.Tests.Ai;

/// <summary><c>POST /ai/scenarios</c>, and a room's questions and feedback, are limited per user and per address; other endpoints are not affected.</summary>
public sealed class AiRateLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_user_over_the_per_minute_limit_gets_429_with_retry_after_and_another_user_does_not()
    {
        await using var factory = new GatewayFactory(new Dictionary<string, string?> { ["RateLimits:AiScenariosPerMinute"] = "2" });
        var client = factory.CreateClient();
        var (eager, other) = (await RoomKit.GuestAsync(client, Ct), await RoomKit.GuestAsync(client, Ct));

        await AiKit.GeneratedAsync(eager, new { topic = "medication-ai", seed = 1 }, Ct);
        await AiKit.GeneratedAsync(eager, new { topic = "medication-ai", seed = 2 }, Ct);
        var third = await AiKit.GenerateAsync(eager, new { topic = "medication-ai", seed = 3 }, Ct);

        var problem = await HttpAssert.ProblemAsync(third, HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Contains("2 scenario(s) a minute", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.InRange(int.Parse(third.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        await AiKit.GeneratedAsync(other, new { topic = "medication-ai", seed = 3 }, Ct);
        Assert.Equal(HttpStatusCode.OK, (await eager.GetAsync("/topics", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_participant_asking_questions_and_feedback_in_a_loop_gets_429_and_another_participant_does_not()
    {
        await using var factory = new GatewayFactory(new Dictionary<string, string?> { ["RateLimits:AiAnswersPerMinute"] = "3" });
        var client = factory.CreateClient();
        var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
        await RoomKit.PlayRoundAsync(players, code, 1, Ct);

        // Each answer is an ai_interactions row (and may be an LLM call): questions and feedback draw on one allowance.
        await HttpAssert.OkAsync<JsonElement>(await AiKit.QuestionsAsync(players[0], code, Ct));
        await HttpAssert.OkAsync<JsonElement>(await AiKit.QuestionsAsync(players[0], code, Ct));
        await HttpAssert.OkAsync<JsonElement>(await AiKit.FeedbackAsync(players[0], code, new { round_number = 1 }, Ct));
        foreach (var refused in new[] { await AiKit.QuestionsAsync(players[0], code, Ct), await AiKit.FeedbackAsync(players[0], code, null, Ct) })
        {
            var problem = await HttpAssert.ProblemAsync(refused, HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.Contains("3 AI questions or feedback a minute", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.InRange(int.Parse(refused.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        }

        await HttpAssert.OkAsync<JsonElement>(await AiKit.QuestionsAsync(players[1], code, Ct));
    }

    [Fact]
    public async Task Guests_signed_in_one_after_another_share_their_address_limit()
    {
        // Test clients have no address: every guest of this gateway is one address, as a class behind one NAT is.
        await using var factory = new GatewayFactory(new Dictionary<string, string?>
        {
            ["RateLimits:AiScenariosPerMinute"] = "2",
            ["RateLimits:AiScenariosPerMinutePerAddress"] = "3",
        });
        var client = factory.CreateClient();
        var (first, second, fresh) = (await RoomKit.GuestAsync(client, Ct), await RoomKit.GuestAsync(client, Ct), await RoomKit.GuestAsync(client, Ct));

        await AiKit.GeneratedAsync(first, new { topic = "medication-ai", seed = 1 }, Ct);
        await AiKit.GeneratedAsync(first, new { topic = "medication-ai", seed = 2 }, Ct);
        await AiKit.GeneratedAsync(second, new { topic = "medication-ai", seed = 3 }, Ct);

        // second and fresh have permits of their own left; their address has none.
        foreach (var (player, seed) in new[] { (second, 4), (fresh, 5) })
        {
            var refused = await AiKit.GenerateAsync(player, new { topic = "medication-ai", seed }, Ct);
            var problem = await HttpAssert.ProblemAsync(refused, HttpStatusCode.TooManyRequests, "rate_limited");
            Assert.Contains("one address 3", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.InRange(int.Parse(refused.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        }
    }
}
