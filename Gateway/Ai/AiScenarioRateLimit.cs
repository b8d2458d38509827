using System.Globalization;
using System.Threading.RateLimiting;
using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Edge;
using Dilemma.Grains.Settings;
using Microsoft.AspNetCore.RateLimiting;

namespace Dilemma.Gateway.Ai;

/// <summary>
/// Generating a scenario may cost an LLM call of a few thousand tokens: each user gets
/// <c>RateLimits:AiScenariosPerMinute</c> a minute (a fixed window), then 429 with Retry-After.
/// </summary>
public sealed class AiScenarioRateLimit(int permitsPerMinute) : IRateLimiterPolicy<string>
{
    public const string PolicyName = "ai-scenarios";
    public const string PermitsKey = "RateLimits:AiScenariosPerMinute";
    public const int DefaultPermits = 5;

    public int PermitsPerMinute => permitsPerMinute;

    /// <summary>The policy as configured; a value that is not 1 to 10000 stops start-up.</summary>
    public static AiScenarioRateLimit Read(IConfiguration configuration)
    {
        var text = configuration[PermitsKey];
        if (string.IsNullOrWhiteSpace(text))
        {
            return new AiScenarioRateLimit(DefaultPermits);
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var permits) && permits is >= 1 and <= 10_000
            ? new AiScenarioRateLimit(permits)
            : throw new InvalidSettingException(PermitsKey, $"must be a whole number from 1 to 10000, not '{text}'");
    }

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => (context, _) =>
        RateLimits.RejectAsync(context, $"You may generate {permitsPerMinute} scenario(s) a minute; try again later.", fallbackSeconds: 60);

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
        RateLimitPartition.GetFixedWindowLimiter(
            AccessTokens.UserIdOf(httpContext.User).ToString(CultureInfo.InvariantCulture),
            _ => new FixedWindowRateLimiterOptions { PermitLimit = permitsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
}
