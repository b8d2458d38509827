using System.Text.Json.Serialization;

namespace Dilemma.Gateway.Ice;

/// <summary>
/// Hands out the ICE servers a browser passes to <c>RTCPeerConnection</c>: STUN always, TURN with
/// short-lived credentials when a TURN provider is configured. One instance per gateway process,
/// chosen by <c>Ice:Provider</c>; safe to call concurrently.
/// </summary>
public interface IIceConfigSource
{
    /// <summary>ICE servers for this user; TURN credentials (when any) expire at <see cref="IceConfig.ExpiresAt"/>.</summary>
    Task<IceConfig> GetAsync(long userId, CancellationToken cancellationToken);

    /// <summary>Asks the configured provider whether it answers (see <c>GET /webrtc/health</c>).</summary>
    Task<IceHealth> CheckAsync(CancellationToken cancellationToken);
}

/// <summary>
/// What <c>GET /webrtc/ice-config</c> answers. The names are the browser's <c>RTCConfiguration</c>
/// (camelCase), not the API's snake_case, so the client can pass <c>iceServers</c> on as it is.
/// </summary>
/// <param name="IceServers">STUN first, then TURN entries (if any).</param>
/// <param name="TurnEnabled">Whether any entry is a TURN server.</param>
/// <param name="Ttl">Seconds until the credentials expire; ask again (or take the socket's <c>ice_config_refresh</c>) before.</param>
/// <param name="ExpiresAt">When the credentials expire.</param>
/// <param name="Provider">The provider whose servers these are: <c>stun</c>, <c>coturn</c> or <c>twilio</c>.</param>
/// <param name="FallbackReason">Set when the configured provider failed and these come from the next one; says why.</param>
public record IceConfig(
    [property: JsonPropertyName("iceServers")] IReadOnlyList<IceServer> IceServers,
    [property: JsonPropertyName("turnEnabled")] bool TurnEnabled,
    [property: JsonPropertyName("ttl")] int Ttl,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("provider")] string Provider,
    [property: JsonPropertyName("fallback")] string? FallbackReason);

/// <summary>
/// The signaling socket's <c>ice_config_refresh</c>: exactly what <c>GET /webrtc/ice-config</c>
/// answers, with the same names (one type, so the two cannot drift apart), plus <c>type</c>.
/// </summary>
public sealed record IceConfigRefresh : IceConfig
{
    public IceConfigRefresh(IceConfig config)
        : base(config)
    {
    }

    [JsonPropertyName("type")]
    [JsonPropertyOrder(-1)]
    public string Type => "ice_config_refresh";
}

/// <summary>One <c>RTCIceServer</c>: <c>urls</c> is always an array; username and credential are left out when null.</summary>
public sealed record IceServer(
    [property: JsonPropertyName("urls")] IReadOnlyList<string> Urls,
    [property: JsonPropertyName("username"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Username,
    [property: JsonPropertyName("credential"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Credential);

/// <summary>What <c>GET /webrtc/health</c> answers (snake_case like the rest of the API).</summary>
/// <param name="Provider">The configured provider.</param>
/// <param name="Healthy">It answered (or was not probed, for plain STUN without <c>Ice:ProbeStun</c>).</param>
/// <param name="Probed">Whether anything was asked at all.</param>
/// <param name="Detail">One line for an operator.</param>
/// <param name="Fallback">When the provider failed: the health of the provider now serving in its place.</param>
public sealed record IceHealth(string Provider, bool Healthy, bool Probed, string Detail, IceHealth? Fallback = null);
