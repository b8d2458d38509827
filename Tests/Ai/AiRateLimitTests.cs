using System.Net;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;

namespace Dilemma.Tests.Ai;

/// <summary><c>POST /ai/scenarios</c> is limited per user; other users and other endpoints are not affected.</summary>
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
}
