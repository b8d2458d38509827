using Microsoft.Extensions.Options;

namespace Dilemma.Gateway.Edge;

/// <summary>
/// Every WebSocket ticket is a grain held in memory until it is used or, unused, collected: without a limit one signed-in caller asking in a loop
/// fills the silo's memory with tickets nobody will use. Each user gets <c>RateLimits:WsTicketsPerMinute</c> at once and then a
/// minute, each client address <c>RateLimits:WsTicketsPerMinutePerAddress</c> (a class behind one NAT opens a few sockets each),
/// then 429 with Retry-After, which the web app's reconnect waits out.
/// </summary>
public sealed class WsTicketRateLimit(WsTicketBuckets buckets, IOptions<RateLimitOptions> options) : UserAndAddressLimit(
    buckets,
    $"You may take {options.Value.WsTicketsPerMinute} WebSocket tickets a minute, and one address {options.Value.WsTicketsPerMinutePerAddress}; try again later.",
    fallbackSeconds: 60)
{
    public const string PolicyName = "ws-tickets";
}

/// <summary>The per-user and per-address buckets of WebSocket tickets.</summary>
public sealed class WsTicketBuckets(IOptions<RateLimitOptions> options)
    : UserAndAddressBuckets(options.Value.WsTicketsPerMinute, options.Value.WsTicketsPerMinute, options.Value.WsTicketsPerMinutePerAddress, options.Value.WsTicketsPerMinutePerAddress);
