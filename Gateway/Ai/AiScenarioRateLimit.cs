using System.Globalization;
using System.Threading.RateLimiting;
using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Edge;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.RateLimiting;

namespace Dilemma.Gateway.Ai;

/// <summary>
/// Generating a scenario may cost an LLM call of a few thousand tokens: each user gets
/// <c>RateLimits:AiScenariosPerMinute</c> a minute (a fixed window), then 429 with Retry-After.
/// </summary>
public sealed class AiScenarioRateLimit(IOptions<RateLimitOptions> options) : IRateLimiterPolicy<string>
{
    public const string PolicyName = "ai-scenarios";

    private readonly int _permitsPerMinute = options.Value.AiScenariosPerMinute;

    public int PermitsPerMinute => _permitsPerMinute;

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => (context, _) =>
        RateLimits.RejectAsync(context, $"You may generate {_permitsPerMinute} scenario(s) a minute; try again later.", fallbackSeconds: 60);

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
        RateLimitPartition.GetFixedWindowLimiter(
            AccessTokens.UserIdOf(httpContext.User).ToString(CultureInfo.InvariantCulture),
            _ => new FixedWindowRateLimiterOptions { PermitLimit = _permitsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
}
