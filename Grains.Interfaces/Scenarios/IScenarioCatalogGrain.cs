namespace Dilemma.Grains.Interfaces.Scenarios;

/// <summary>The scenarios the silos know: the built-in bank (and, later, generated ones). Use key 0.</summary>
public interface IScenarioCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Every topic that has a scenario, in a stable order.</summary>
    Task<IReadOnlyList<TopicSummary>> ListTopicsAsync();

    /// <summary>The scenario for a topic; <c>unknown_topic</c> (404) when there is none.</summary>
    Task<Scenario> GetByTopicAsync(string topic);
}
