namespace Dilemma.Grains.Interfaces.Scenarios;

/// <summary>The scenarios the silos know: the built-in bank and the generated ones. Use key 0.</summary>
public interface IScenarioCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Every topic that has a scenario, in a stable order.</summary>
    Task<IReadOnlyList<TopicSummary>> ListTopicsAsync();

    /// <summary>The scenario for a topic; <c>unknown_topic</c> (404) when there is none.</summary>
    Task<Scenario> GetByTopicAsync(string topic);

    /// <summary>A bank or generated scenario by its id; <c>unknown_scenario</c> (404) when there is none.</summary>
    Task<Scenario> GetByIdAsync(string scenarioId, CancellationToken cancellationToken = default);
}
