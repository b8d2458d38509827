using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Dilemma.Gateway.Errors;
using Dilemma.Gateway.Telemetry;
using System.ComponentModel.DataAnnotations;
using Dilemma.Hosting.Settings;
using Microsoft.Extensions.Options;

namespace Dilemma.Gateway.Edge;

/// <summary>
/// Password endpoints cost a quarter second of CPU each (bcrypt, cost 12). A concurrency limit
/// per client address with a short queue lets a few run and turns the rest away at once with 429,
/// so one address's login flood cannot starve the endpoints that cost nothing, nor other people's
/// sign-ins. (Per account, the accounts grain bounds attempts; per silo, the password hasher.)
/// </summary>
public static class RateLimits
{
    public const string PasswordPolicy = "password";

    public static IServiceCollection AddDilemmaRateLimits(this IServiceCollection services)
    {
        services.AddSettings<RateLimitOptions>(RateLimitOptions.SectionName);
        services.AddRoomLimits();
        services.AddRateLimiter(options =>
        {
            options.OnRejected = (context, _) => RejectAsync(context, "Too many sign-ins at once; try again in a second.");
            options.AddPolicy<LimitedCaller, WsTicketRateLimit>(WsTicketRateLimit.PolicyName);
        });
        services.AddSingleton<WsTicketBuckets>();
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((options, limits) =>
        {
            var password = limits.Value.PasswordConcurrencyLimiter();
            options.AddPolicy(PasswordPolicy, context => RateLimitPartition.GetConcurrencyLimiter(AuthLimits.ClientKey(context), _ => password));
        });
        return services;
    }

    /// <summary>
    /// The one 429 answer of every limit: <c>Retry-After</c> from the limiter when it knows (a window or
    /// bucket), else <paramref name="fallbackSeconds"/>, and a problem body with <c>code: rate_limited</c>.
    /// </summary>
    public static async ValueTask RejectAsync(OnRejectedContext context, string detail, int fallbackSeconds = 1)
    {
        var policy = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName ?? "global";
        context.HttpContext.RequestServices.GetRequiredService<EdgeMetrics>().RateLimited(policy);
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
            ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))
            : Math.Max(1, fallbackSeconds);
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context.HttpContext,
            ProblemDetails = Problems.Describe(StatusCodes.Status429TooManyRequests, "rate_limited", detail),
        });
    }
}

/// <summary>
/// The limits of section <c>RateLimits</c> itself (its <c>Auth</c> and <c>Rooms</c> parts have their own
/// classes); checked at start-up, since a limiter would only refuse a bad value at the first request.
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>Sign-ins in flight per client address (<c>RateLimits:PasswordConcurrency</c>).</summary>
    [Range(1, int.MaxValue)]
    public int PasswordConcurrency { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>
    /// Sign-ins waiting per client address (<c>RateLimits:PasswordQueue</c>); as many as may run when unset. A
    /// short queue: a sign-in that waits behind many quarter-second hashes is worse than a quick 429 the client can retry.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int? PasswordQueue { get; set; }

    /// <summary>Scenarios each user may generate a minute (<c>RateLimits:AiScenariosPerMinute</c>): an LLM call of a few thousand tokens each.</summary>
    [Range(1, 10_000)]
    public int AiScenariosPerMinute { get; set; } = 5;

    /// <summary>Scenarios one client address may generate a minute, whoever is signed in (<c>RateLimits:AiScenariosPerMinutePerAddress</c>).</summary>
    [Range(1, 1_000_000)]
    public int AiScenariosPerMinutePerAddress { get; set; } = 20;

    /// <summary>A room's AI questions and feedback each user may ask for a minute (<c>RateLimits:AiAnswersPerMinute</c>).</summary>
    [Range(1, 1_000_000)]
    public int AiAnswersPerMinute { get; set; } = 10;

    /// <summary>The same per client address, whoever is signed in (<c>RateLimits:AiAnswersPerMinutePerAddress</c>).</summary>
    [Range(1, 1_000_000)]
    public int AiAnswersPerMinutePerAddress { get; set; } = 120;

    /// <summary>WebSocket tickets (<c>POST /auth/ws-ticket</c>) each user may take at once and then a minute (<c>RateLimits:WsTicketsPerMinute</c>).</summary>
    [Range(1, 1_000_000)]
    public int WsTicketsPerMinute { get; set; } = 60;

    /// <summary>The same per client address, whoever is signed in (<c>RateLimits:WsTicketsPerMinutePerAddress</c>).</summary>
    [Range(1, 1_000_000)]
    public int WsTicketsPerMinutePerAddress { get; set; } = 600;

    public ConcurrencyLimiterOptions PasswordConcurrencyLimiter() => new()
    {
        PermitLimit = PasswordConcurrency,
        QueueLimit = PasswordQueue ?? PasswordConcurrency,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    };
}
