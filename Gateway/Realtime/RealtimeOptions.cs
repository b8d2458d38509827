using System.ComponentModel.DataAnnotations;
using Dilemma.Gateway.Edge;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Hosting.Settings;
using Microsoft.Extensions.Options;

namespace Dilemma.Gateway.Realtime;

/// <summary>Limits of the two WebSockets (section <c>Realtime</c>); the README documents each.</summary>
public sealed class RealtimeOptions
{
    public const string SectionName = "Realtime";

    /// <summary>The largest message a client may send; an SDP offer is a few kilobytes.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>Sustained messages per second per socket (a token bucket refilled at this rate).</summary>
    [Range(1, int.MaxValue)]
    public int MessagesPerSecond { get; set; } = 50;

    /// <summary>Messages a socket may send at once before the rate applies (ICE gathering bursts).</summary>
    [Range(1, int.MaxValue)]
    public int MessageBurst { get; set; } = 200;

    /// <summary>Refused messages (malformed, unknown, too large, over the rate) before the socket is closed with 1008.</summary>
    [Range(1, int.MaxValue)]
    public int MaxViolations { get; set; } = 20;

    /// <summary>Messages waiting to be sent to one socket; a receiver this far behind is closed with 1013.</summary>
    [Range(1, int.MaxValue)]
    public int SendQueueCapacity { get; set; } = 512;

    /// <summary>Seconds between WebSocket pings.</summary>
    [Range(1, int.MaxValue)]
    public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>Seconds without a pong (or any frame) after which the socket is dropped.</summary>
    [Range(1, int.MaxValue)]
    public int KeepAliveTimeoutSeconds { get; set; } = 45;

    /// <summary>
    /// Seconds between a connection's renewals of its registration with the room and peer grains: how soon a
    /// socket is reachable again after its silo is lost. At most <see cref="ConnectionLease.LongestRenewSeconds"/>.
    /// </summary>
    [Range(1, ConnectionLease.LongestRenewSeconds, ErrorMessage = "{0} must be between {1} and {2}: grains forget a connection not renewed for two minutes")]
    public int RenewSeconds { get; set; } = 20;

    /// <summary>
    /// How long before TURN credentials expire the signaling socket pushes fresh ones
    /// (<c>ice_config_refresh</c>); at most 90% of the credentials' lifetime.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int IceRefreshLeadSeconds { get; set; } = 300;

    /// <summary>When not empty, the <c>Origin</c> header of a socket request must be one of these.</summary>
    public string[] AllowedOrigins { get; set; } = [];
}

/// <summary>The rules across values, and the origins' form (shared with <c>Cors:AllowedOrigins</c>).</summary>
public sealed class RealtimeOptionsValidator : IValidateOptions<RealtimeOptions>
{
    public ValidateOptionsResult Validate(string? name, RealtimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.KeepAliveTimeoutSeconds <= options.KeepAliveSeconds)
        {
            failures.Add(SettingsValidation.Failure("Realtime:KeepAliveTimeoutSeconds", $"must exceed Realtime:KeepAliveSeconds ({options.KeepAliveSeconds}), not {options.KeepAliveTimeoutSeconds}"));
        }

        if (Origins.Check(options.AllowedOrigins) is { } problem)
        {
            failures.Add(SettingsValidation.Failure("Realtime:AllowedOrigins", problem));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Close codes the sockets use, as documented in the README.</summary>
public static class CloseCodes
{
    /// <summary>Abuse: too many refused messages.</summary>
    public const int PolicyViolation = 1008;

    /// <summary>This gateway is stopping (a rolling upgrade, a scale-in): connect again, through another.</summary>
    public const int ServiceRestart = 1012;

    /// <summary>The receiver fell too far behind (its send queue filled up).</summary>
    public const int TryAgainLater = 1013;

    /// <summary>The same user opened a newer socket for the same room.</summary>
    public const int Replaced = 4000;

    /// <summary>The sign-in the socket was opened under was revoked (signed out, or its refresh token reused).</summary>
    public const int SignedOut = 4001;

    /// <summary>The user is no longer a participant of the room (on the session monitor: no longer its facilitator or an admin).</summary>
    public const int NotParticipant = 4003;
}
