using System.Threading.RateLimiting;
using Dilemma.Gateway.Edge;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.RateLimiting;

namespace Dilemma.Gateway.Ai;

/// <summary>
/// Generating a scenario may cost an LLM call of a few thousand tokens, and every one is stored: each user gets
/// <c>RateLimits:AiScenariosPerMinute</c> a minute and each client address <c>RateLimits:AiScenariosPerMinutePerAddress</c>
/// (token buckets that many deep, refilled evenly over the minute), then 429 with Retry-After.
/// </summary>
public sealed class AiScenarioRateLimit(AiScenarioBuckets buckets, IOptions<RateLimitOptions> options) : IRateLimiterPolicy<LimitedCaller>
{
    public const string PolicyName = "ai-scenarios";

    private readonly RateLimitOptions _options = options.Value;

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => (context, _) =>
        RateLimits.RejectAsync(
            context,
            $"You may generate {_options.AiScenariosPerMinute} scenario(s) a minute, and one address {_options.AiScenariosPerMinutePerAddress}; try again later.",
            fallbackSeconds: 60);

    public RateLimitPartition<LimitedCaller> GetPartition(HttpContext httpContext) =>
        RateLimitPartition.Get(LimitedCaller.Of(httpContext), caller => new UserAndAddressGate(buckets, caller));
}

/// <summary>The per-user and per-address buckets of scenario generation.</summary>
public sealed class AiScenarioBuckets(IOptions<RateLimitOptions> options)
    : UserAndAddressBuckets(options.Value.AiScenariosPerMinute, options.Value.AiScenariosPerMinute, options.Value.AiScenariosPerMinutePerAddress, options.Value.AiScenariosPerMinutePerAddress);
