using Dilemma.Hosting.Settings;
using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;
using Dilemma.Grains.Interfaces.Errors;
using Microsoft.Extensions.Options;

namespace Dilemma.Gateway.Edge;

/// <summary>
/// Abuse limits on rooms (section <c>RateLimits:Rooms</c>), all token buckets refilled evenly over
/// the minute. Opening rooms (and quick join, which may open one) is limited per user and per client
/// address at once: guest sign-in is cheap, so a limit per user alone is a limit per guest, and one
/// address signing in guests in a loop would open rooms without end. Looking a
/// room up and joining by code are limited per user and per client address at once, and a miss
/// (404: no room the caller may see has that code) costs <see cref="MissCost"/> permits where a
/// hit costs one: guessing codes runs dry at once, while a class of thirty behind one address joins
/// without noticing. The README and docs/security.md give the numbers.
/// </summary>
public sealed class RoomLimitOptions
{
    public const string SectionName = "RateLimits:Rooms";

    /// <summary>Rooms a user may open at once before <see cref="CreatesPerMinute"/> applies.</summary>
    [Range(1, 1_000_000)]
    public int CreateBurst { get; set; } = 10;

    [Range(1, 1_000_000)]
    public int CreatesPerMinute { get; set; } = 2;

    /// <summary>Rooms one client address may open at once, whoever is signed in: a class behind one NAT opening a room each fits.</summary>
    [Range(1, 1_000_000)]
    public int CreateBurstPerAddress { get; set; } = 60;

    [Range(1, 1_000_000)]
    public int CreatesPerMinutePerAddress { get; set; } = 20;

    /// <summary>Permits a user has for lookups and joins by code at once.</summary>
    [Range(1, 1_000_000)]
    public int LookupBurstPerUser { get; set; } = 30;

    [Range(1, 1_000_000)]
    public int LookupsPerMinutePerUser { get; set; } = 30;

    /// <summary>Permits one client address has for lookups and joins by code at once, whoever is signed in.</summary>
    [Range(1, 1_000_000)]
    public int LookupBurstPerAddress { get; set; } = 120;

    [Range(1, 1_000_000)]
    public int LookupsPerMinutePerAddress { get; set; } = 120;

    /// <summary>What a lookup or join answered 404 costs in all, in permits of both buckets (a hit costs 1).</summary>
    [Range(1, 1_000)]
    public int MissCost { get; set; } = 5;
}

/// <summary>The room policies, and how endpoints take them.</summary>
public static class RoomLimits
{
    public const string CreatePolicy = "rooms-create";
    public const string CodePolicy = "rooms-code";

    public static IServiceCollection AddRoomLimits(this IServiceCollection services)
    {
        services.AddOptions<RoomLimitOptions>().BindSettings(RoomLimitOptions.SectionName)
            .Validate(
                o => o.MissCost <= o.LookupBurstPerUser && o.MissCost <= o.LookupBurstPerAddress,
                "RateLimits:Rooms:MissCost must not exceed RateLimits:Rooms:LookupBurstPerUser nor RateLimits:Rooms:LookupBurstPerAddress.");
        services.AddSingleton<RoomCodeBuckets>();
        services.AddSingleton<RoomCreateBuckets>();
        services.AddRateLimiter(options =>
        {
            options.AddPolicy<LimitedCaller, RoomCreateLimit>(CreatePolicy);
            options.AddPolicy<LimitedCaller, RoomCodeLimit>(CodePolicy);
        });
        return services;
    }

    /// <summary>Opening a room: per user and per address.</summary>
    public static RouteHandlerBuilder LimitsRoomCreation(this RouteHandlerBuilder endpoint) =>
        endpoint.RequireRateLimiting(CreatePolicy).ProducesProblem(StatusCodes.Status429TooManyRequests);

    /// <summary>A lookup or join by code: per user and per address, a miss costing more than a hit.</summary>
    public static RouteHandlerBuilder LimitsRoomCodeLookups(this RouteHandlerBuilder endpoint) =>
        endpoint.RequireRateLimiting(CodePolicy).AddEndpointFilter<RoomCodeMisses>().ProducesProblem(StatusCodes.Status429TooManyRequests);
}

/// <summary>Room creation through the rate limiting middleware: a gate onto the caller's user and address buckets of <see cref="RoomCreateBuckets"/>.</summary>
public sealed class RoomCreateLimit(RoomCreateBuckets buckets, IOptions<RoomLimitOptions> options) : UserAndAddressLimit(
    buckets,
    $"You may open {options.Value.CreateBurst} rooms at once and {options.Value.CreatesPerMinute} a minute after that; one address, "
    + $"{options.Value.CreateBurstPerAddress} at once and {options.Value.CreatesPerMinutePerAddress} a minute.",
    (int)Math.Ceiling(60.0 / Math.Min(options.Value.CreatesPerMinute, options.Value.CreatesPerMinutePerAddress)));

/// <summary>
/// Lookups and joins by code through the rate limiting middleware: each caller's partition is a
/// gate onto the two shared buckets of <see cref="RoomCodeBuckets"/> (their user's and their
/// address's), which <see cref="RoomCodeMisses"/> also charges after a miss.
/// </summary>
public sealed class RoomCodeLimit(RoomCodeBuckets buckets, IOptions<RoomLimitOptions> options) : UserAndAddressLimit(
    buckets,
    "Too many room lookups or joins by code; a code that finds no room counts several times.",
    (int)Math.Ceiling(60.0 * options.Value.MissCost / Math.Min(options.Value.LookupsPerMinutePerUser, options.Value.LookupsPerMinutePerAddress)));

/// <summary>The per-user and per-address token buckets of opening rooms.</summary>
public sealed class RoomCreateBuckets(IOptions<RoomLimitOptions> options)
    : UserAndAddressBuckets(options.Value.CreateBurst, options.Value.CreatesPerMinute, options.Value.CreateBurstPerAddress, options.Value.CreatesPerMinutePerAddress);

/// <summary>The per-user and per-address token buckets of lookups and joins by code.</summary>
public sealed class RoomCodeBuckets(IOptions<RoomLimitOptions> options)
    : UserAndAddressBuckets(options.Value.LookupBurstPerUser, options.Value.LookupsPerMinutePerUser, options.Value.LookupBurstPerAddress, options.Value.LookupsPerMinutePerAddress)
{
    private readonly int _missExtra = options.Value.MissCost - 1;

    /// <summary>A miss costs the rest of its price after the fact, from both buckets; what a bucket lacks empties it.</summary>
    public void ChargeMiss(LimitedCaller caller)
    {
        if (_missExtra > 0)
        {
            Charge(Users, caller, _missExtra);
            Charge(Addresses, caller, _missExtra);
        }
    }

    private static void Charge(PartitionedRateLimiter<LimitedCaller> limiter, LimitedCaller caller, int permits)
    {
        using var lease = limiter.AttemptAcquire(caller, permits);
        if (lease.IsAcquired)
        {
            return;
        }

        var left = (int)Math.Min(permits, limiter.GetStatistics(caller)?.CurrentAvailablePermits ?? 0);
        if (left > 0)
        {
            using var rest = limiter.AttemptAcquire(caller, left);
        }
    }
}

/// <summary>After a lookup or join by code that found no room, charges the caller's buckets the rest of a miss's cost.</summary>
public sealed class RoomCodeMisses(RoomCodeBuckets buckets) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (RuleViolationException e) when (e.Kind == RuleViolationKind.NotFound)
        {
            buckets.ChargeMiss(LimitedCaller.Of(context.HttpContext));
            throw;
        }
    }
}
