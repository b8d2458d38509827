using Dilemma.Gateway.Edge;
using Microsoft.Extensions.Options;

namespace Dilemma.Gateway.Ai;

/// <summary>
/// Generating a scenario may cost an LLM call of a few thousand tokens, and every one is stored: each user gets
/// <c>RateLimits:AiScenariosPerMinute</c> a minute and each client address <c>RateLimits:AiScenariosPerMinutePerAddress</c>
/// (token buckets that many deep, refilled evenly over the minute), then 429 with Retry-After.
/// </summary>
public sealed class AiScenarioRateLimit(AiScenarioBuckets buckets, IOptions<RateLimitOptions> options) : UserAndAddressLimit(
    buckets,
    $"You may generate {options.Value.AiScenariosPerMinute} scenario(s) a minute, and one address {options.Value.AiScenariosPerMinutePerAddress}; try again later.",
    fallbackSeconds: 60)
{
    public const string PolicyName = "ai-scenarios";
}

/// <summary>The per-user and per-address buckets of scenario generation.</summary>
public sealed class AiScenarioBuckets(IOptions<RateLimitOptions> options)
    : UserAndAddressBuckets(options.Value.AiScenariosPerMinute, options.Value.AiScenariosPerMinute, options.Value.AiScenariosPerMinutePerAddress, options.Value.AiScenariosPerMinutePerAddress);

/// <summary>
/// A room's questions and feedback: each answer may be an LLM call, holding one of the silo's <c>Ai:MaxConcurrentCalls</c>,
/// and each is an <c>ai_interactions</c> research row written before it is returned. Without a limit one participant (alone
/// with two bots in a room of their own) writes hundreds of rows a second: a table that grows without end and counts nobody's real use.
/// <c>RateLimits:AiAnswersPerMinute</c> per user and <c>RateLimits:AiAnswersPerMinutePerAddress</c> per client address.
/// </summary>
public sealed class AiAnswerRateLimit(AiAnswerBuckets buckets, IOptions<RateLimitOptions> options) : UserAndAddressLimit(
    buckets,
    $"You may ask for {options.Value.AiAnswersPerMinute} AI questions or feedback a minute, and one address {options.Value.AiAnswersPerMinutePerAddress}; try again later.",
    fallbackSeconds: 60)
{
    public const string PolicyName = "ai-answers";
}

/// <summary>The per-user and per-address buckets of a room's AI questions and feedback.</summary>
public sealed class AiAnswerBuckets(IOptions<RateLimitOptions> options)
    : UserAndAddressBuckets(options.Value.AiAnswersPerMinute, options.Value.AiAnswersPerMinute, options.Value.AiAnswersPerMinutePerAddress, options.Value.AiAnswersPerMinutePerAddress);
