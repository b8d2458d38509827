using System.Diagnostics;
using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Dilemma.Gateway.Edge;

/// <summary>Who is asking, as a limit sees them: a user id (0 if the token has none) and a client address.</summary>
public readonly record struct LimitedCaller(long UserId, string Address)
{
    public static LimitedCaller Of(HttpContext context) =>
        new(long.TryParse(context.User.FindFirstValue("sub"), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0, AuthLimits.ClientKey(context));
}

/// <summary>
/// A rate limiting policy whose partition per caller is a gate onto that caller's two buckets of <paramref name="buckets"/>;
/// a refusal is 429 with <paramref name="detail"/>, and <c>Retry-After</c> from the bucket (else <paramref name="fallbackSeconds"/>).
/// </summary>
public abstract class UserAndAddressLimit(UserAndAddressBuckets buckets, string detail, int fallbackSeconds) : IRateLimiterPolicy<LimitedCaller>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => (context, _) => RateLimits.RejectAsync(context, detail, fallbackSeconds);

    public RateLimitPartition<LimitedCaller> GetPartition(HttpContext httpContext) =>
        RateLimitPartition.Get(LimitedCaller.Of(httpContext), caller => new UserAndAddressGate(buckets, caller));
}

/// <summary>
/// A view of a caller's two shared buckets. The middleware keeps one per caller and drops it when
/// idle; the buckets, and what they hold, stay with <see cref="UserAndAddressBuckets"/>.
/// </summary>
internal sealed class UserAndAddressGate(UserAndAddressBuckets buckets, LimitedCaller caller) : RateLimiter
{
    private long _lastUsed = Stopwatch.GetTimestamp();

    public override TimeSpan? IdleDuration => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastUsed));

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        Interlocked.Exchange(ref _lastUsed, Stopwatch.GetTimestamp());
        return buckets.Acquire(caller, permitCount);
    }

    // No queue: a caller over the limit is told at once when to come back.
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));
}

/// <summary>
/// A per-user and a per-address token bucket, chained: a request needs a permit of both. Guest sign-in is
/// cheap (only its own per-address window limits it), so a limit per user alone is a limit per guest: what
/// costs the service something per request needs the address bucket too, or one address signing in guests
/// in a loop has no limit at all.
/// </summary>
public abstract class UserAndAddressBuckets : IDisposable
{
    private readonly PartitionedRateLimiter<LimitedCaller> _both;

    protected UserAndAddressBuckets(int userBurst, int userPerMinute, int addressBurst, int addressPerMinute)
    {
        Users = PartitionedRateLimiter.Create<LimitedCaller, long>(c =>
            RateLimitPartition.GetTokenBucketLimiter(c.UserId, _ => Bucket(userBurst, userPerMinute)));
        Addresses = PartitionedRateLimiter.Create<LimitedCaller, string>(c =>
            RateLimitPartition.GetTokenBucketLimiter(c.Address, _ => Bucket(addressBurst, addressPerMinute)));
        _both = PartitionedRateLimiter.CreateChained(Users, Addresses);
    }

    protected PartitionedRateLimiter<LimitedCaller> Users { get; }

    protected PartitionedRateLimiter<LimitedCaller> Addresses { get; }

    /// <summary>A bucket of <paramref name="burst"/> tokens refilled evenly: one token every 60/rate seconds, or rate/60 a second when faster.</summary>
    public static TokenBucketRateLimiterOptions Bucket(int burst, int perMinute) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = perMinute <= 60 ? 1 : perMinute / 60,
        ReplenishmentPeriod = perMinute <= 60 ? TimeSpan.FromSeconds(60.0 / perMinute) : TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>Permits from the caller's user bucket and address bucket both, or a refusal saying when to retry.</summary>
    public RateLimitLease Acquire(LimitedCaller caller, int permits) => _both.AttemptAcquire(caller, permits);

    public void Dispose()
    {
        _both.Dispose();
        Users.Dispose();
        Addresses.Dispose();
        GC.SuppressFinalize(this);
    }
}
