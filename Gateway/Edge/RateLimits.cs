using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Dilemma.Gateway.Errors;
using Dilemma.Gateway.Telemetry;
using Dilemma.Grains.Settings;

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

    public static IServiceCollection AddDilemmaRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var password = PasswordConcurrency(configuration);
        services.AddRoomLimits();
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(PasswordPolicy, context => RateLimitPartition.GetConcurrencyLimiter(AuthLimits.ClientKey(context), _ => password));
            options.OnRejected = (context, _) => RejectAsync(context, "Too many sign-ins at once; try again in a second.");
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

    /// <summary>Sign-ins in flight per client address (<c>RateLimits:PasswordConcurrency</c>, <c>RateLimits:PasswordQueue</c>).</summary>
    public static ConcurrencyLimiterOptions PasswordConcurrency(IConfiguration configuration)
    {
        var section = configuration.GetSection("RateLimits");
        var permits = AtLeast(section, "PasswordConcurrency", Math.Max(2, Environment.ProcessorCount), minimum: 1);

        // A short queue: a sign-in that waits behind many quarter-second hashes is worse than a
        // quick 429 the client can retry.
        return new ConcurrencyLimiterOptions
        {
            PermitLimit = permits,
            QueueLimit = AtLeast(section, "PasswordQueue", permits, minimum: 0),
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        };
    }

    // Checked here, at start-up: the limiter itself would only refuse a bad value at the first sign-in.
    private static int AtLeast(IConfigurationSection section, string name, int fallback, int minimum)
    {
        var text = section[name];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= minimum
            ? value
            : throw new InvalidSettingException($"{section.Path}:{name}", $"must be a whole number of at least {minimum}, not '{text}'");
    }
}
