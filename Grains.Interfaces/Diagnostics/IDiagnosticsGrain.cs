namespace Dilemma.Grains.Interfaces.Diagnostics;

/// <summary>What the silos can tell the edge about their own dependencies. Use key 0.</summary>
public interface IDiagnosticsGrain : IGrainWithIntegerKey
{
    /// <summary>Pings the silo's database (when it has one) and says how it went.</summary>
    Task<DependencyReport> CheckStorageAsync(CancellationToken cancellationToken = default);

    /// <summary>Answers at once, touching no dependency: that a silo answers at all is the news.</summary>
    Task PingAsync(CancellationToken cancellationToken = default);
}

/// <summary>One dependency's answer to a health probe.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.dependency-report")]
public sealed record DependencyReport(
    [property: Id(0)] string Name,
    [property: Id(1)] bool Healthy,
    [property: Id(2)] bool Durable,
    [property: Id(3)] string Description);
