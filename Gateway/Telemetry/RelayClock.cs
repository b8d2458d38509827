namespace Dilemma.Gateway.Telemetry;

/// <summary>
/// The Orleans request-context key under which a relayed signaling message carries the time it arrived
/// (UTC ticks): set by the sender's gateway, read where the addressee's socket is.
/// </summary>
public static class RelayClock
{
    public const string Key = "dilemma-relay-arrived";
}
