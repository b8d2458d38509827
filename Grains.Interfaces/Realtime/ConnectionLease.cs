namespace Dilemma.Grains.Interfaces.Realtime;

/// <summary>
/// What gateways and grains agree on about a socket's registration (signaling, voice, a facilitator's
/// monitor): a grain forgets a connection that has not renewed itself for <see cref="Lifetime"/> (its
/// gateway died, or its goodbye was lost), so a gateway renews well within it.
/// </summary>
public static class ConnectionLease
{
    private const int LifetimeSeconds = 2 * 60;

    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(LifetimeSeconds);

    /// <summary>The longest renewal period that still lets one renewal fail or come late before a live socket is forgotten.</summary>
    public const int LongestRenewSeconds = LifetimeSeconds / 2;
}
