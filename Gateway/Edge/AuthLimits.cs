using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Dilemma.Hosting.Settings;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Dilemma.Gateway.Edge;

/// <summary>
/// Sign-up limits per client address: guest sign-ins and registrations each in a sliding window
/// (a fixed one with <see cref="AuthLimitOptions.WindowSegments"/> = 1), answered 429
/// <c>rate_limited</c> with <c>Retry-After</c>. Without them one address made 733 guests a second.
/// Logins are limited per account by the accounts grain (<c>login_throttled</c>), and in flight per
/// address by <see cref="RateLimits.PasswordPolicy"/>.
/// </summary>
public static class AuthLimits
{
    public const string GuestPolicy = "auth-guest";
    public const string RegistrationPolicy = "auth-register";

    public static IServiceCollection AddAuthLimits(this IServiceCollection services)
    {
        // Behind nginx or an ingress every request comes from the proxy; per-address limits need the
        // client's address from X-Forwarded-For, and the links handed out (a class session's join link) the
        // scheme the client used from X-Forwarded-Proto: the proxy terminates TLS. Both are taken only from
        // proxies the operator names.
        services.AddOptions<EdgeOptions>().BindSettings(EdgeOptions.SectionName, new EdgeOptionsValidator());
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<EdgeOptions>>((options, edge) =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var network in edge.Value.TrustedNetworks())
            {
                options.KnownIPNetworks.Add(network);
            }
        });
        services.AddOptions<AuthLimitOptions>().BindSettings(AuthLimitOptions.SectionName);
        services.Configure<RateLimiterOptions>(options =>
        {
            options.AddPolicy<string, GuestSignUpLimit>(GuestPolicy);
            options.AddPolicy<string, RegistrationLimit>(RegistrationPolicy);
        });
        return services;
    }

    /// <summary>Takes the client's address and scheme from X-Forwarded-For and -Proto when <c>Edge:TrustedProxies</c> names the proxy.</summary>
    public static WebApplication UseTrustedProxies(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<EdgeOptions>>().Value.TrustedProxies.Length > 0)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }

    /// <summary>
    /// The partition key of a client: its address, and for IPv6 its /64, which one subscriber
    /// usually holds whole (so walking through addresses in it gains nothing).
    /// </summary>
    public static string ClientKey(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes) + "/64";
        }

        return address.ToString();
    }

    internal static SlidingWindowRateLimiter Window(AuthLimitOptions options, int permits) => new(new SlidingWindowRateLimiterOptions
    {
        PermitLimit = permits,
        Window = TimeSpan.FromSeconds(options.WindowSeconds),
        SegmentsPerWindow = options.WindowSegments,
        QueueLimit = 0,
        AutoReplenishment = true,
    });
}

/// <summary>Section <c>Edge</c>: what the gateway trusts of the network in front of it.</summary>
public sealed class EdgeOptions
{
    public const string SectionName = "Edge";

    /// <summary><c>Edge:TrustedProxies</c>: addresses or CIDR networks (<c>10.0.0.0/8</c>) of the reverse proxies in front.</summary>
    public string[] TrustedProxies { get; set; } = [];

    public IReadOnlyList<System.Net.IPNetwork> TrustedNetworks() =>
        TrustedProxies.Select(value => Network(value) ?? throw new InvalidOperationException($"Edge:TrustedProxies has '{value}', which validation refuses.")).ToList();

    /// <summary>An address is a network of one (/32 or /128); null when the value is neither.</summary>
    internal static System.Net.IPNetwork? Network(string value) =>
        System.Net.IPNetwork.TryParse(value, out var network) ? network
        : IPAddress.TryParse(value, out var address) ? new System.Net.IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)
        : null;
}

internal sealed class EdgeOptionsValidator : IValidateOptions<EdgeOptions>
{
    public ValidateOptionsResult Validate(string? name, EdgeOptions options)
    {
        var wrong = options.TrustedProxies.Where(value => EdgeOptions.Network(value) is null).ToList();
        return wrong.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(SettingsValidation.Failure("Edge:TrustedProxies", $"must list IP addresses or CIDR networks, not '{string.Join("', '", wrong)}'"));
    }
}

/// <summary>Settings of the sign-up limits (section <c>RateLimits:Auth</c>), per client address.</summary>
public sealed class AuthLimitOptions
{
    public const string SectionName = "RateLimits:Auth";

    /// <summary><c>POST /auth/guest</c> per address per window (a classroom behind one NAT signs in together, hence not fewer).</summary>
    [Range(1, 1_000_000)]
    public int GuestSignInsPerWindow { get; set; } = 60;

    /// <summary><c>POST /auth/register</c> per address per window.</summary>
    [Range(1, 1_000_000)]
    public int RegistrationsPerWindow { get; set; } = 20;

    [Range(1, 86_400)]
    public int WindowSeconds { get; set; } = 60;

    /// <summary>Segments of the sliding window; 1 makes it a fixed window.</summary>
    [Range(1, 100)]
    public int WindowSegments { get; set; } = 6;
}

internal sealed class GuestSignUpLimit(IOptions<AuthLimitOptions> options) : IRateLimiterPolicy<string>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } =
        (context, _) => RateLimits.RejectAsync(context, "Too many guest sign-ins from this address; try again later.");

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
        RateLimitPartition.Get(AuthLimits.ClientKey(httpContext), _ => AuthLimits.Window(options.Value, options.Value.GuestSignInsPerWindow));
}

/// <summary>Registrations per address in a window, chained with the password endpoints' per-address concurrency (bcrypt).</summary>
internal sealed class RegistrationLimit(IOptions<AuthLimitOptions> options, IOptions<RateLimitOptions> limits) : IRateLimiterPolicy<string>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } =
        (context, _) => RateLimits.RejectAsync(context, "Too many registrations from this address; try again later.");

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
        RateLimitPartition.Get(AuthLimits.ClientKey(httpContext), _ => RateLimiter.CreateChained(
            AuthLimits.Window(options.Value, options.Value.RegistrationsPerWindow),
            new ConcurrencyLimiter(limits.Value.PasswordConcurrencyLimiter())));
}
