namespace Dilemma.Gateway.Hosting;

/// <summary>How the gateway reaches grains (setting <c>Cluster:Mode</c>).</summary>
public enum GatewayMode
{
    /// <summary>A silo in this process, localhost clustering, in-memory storage: nothing to set up, nothing durable.</summary>
    Embedded,

    /// <summary>An Orleans client that finds silos through Redis.</summary>
    Cluster,
}
