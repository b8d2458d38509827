namespace Dilemma.Grains.Interfaces.Research;

/// <summary>Owner of the daily retention reminder. Use key 0.</summary>
public interface IResearchRetentionGrain : IGrainWithIntegerKey
{
    /// <summary>Registers (or keeps) the daily reminder that applies the retention rule; every silo asks at start, once is enough.</summary>
    Task EnsureScheduledAsync(CancellationToken cancellationToken = default);
}
