using Orleans.Concurrency;

namespace Dilemma.Grains.Interfaces.Scenarios;

/// <summary>The scenarios the silos know: the built-in bank and the generated ones. Use key 0.</summary>
public interface IScenarioCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Every topic that has a scenario, in a stable order.</summary>
    [ReadOnly]
    Task<IReadOnlyList<TopicSummary>> ListTopicsAsync();

    /// <summary>The scenario for a topic; <c>unknown_topic</c> (404) when there is none.</summary>
    [ReadOnly]
    Task<Scenario> GetByTopicAsync(string topic);

    /// <summary>A bank or generated scenario by its id; <c>unknown_scenario</c> (404) when there is none.</summary>
    [ReadOnly]
    Task<Scenario> GetByIdAsync(string scenarioId, CancellationToken cancellationToken = default);
}
