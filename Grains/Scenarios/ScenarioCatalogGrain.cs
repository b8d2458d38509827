using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Scenarios;
using Orleans.Concurrency;

namespace Dilemma.Grains.Scenarios;

/// <summary>
/// Serves the scenario bank. Stateless and read-only, so every silo runs local copies and a
/// popular topic never funnels through one activation.
/// </summary>
[StatelessWorker]
public sealed class ScenarioCatalogGrain(ScenarioBank bank) : Grain, IScenarioCatalogGrain
{
    public Task<IReadOnlyList<TopicSummary>> ListTopicsAsync() => Task.FromResult(bank.Topics);

    public Task<Scenario> GetByTopicAsync(string topic) =>
        // A caller on the wire can send null despite the signature; that is an unknown topic, not a crash.
        topic is not null && bank.FindByTopic(topic) is { } scenario
            ? Task.FromResult(scenario)
            : throw RuleViolationException.NotFound("unknown_topic", "There is no scenario for that topic; GET /topics lists the topics.");
}
