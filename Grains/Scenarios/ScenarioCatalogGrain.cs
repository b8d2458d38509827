using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Scenarios;
using Orleans.Concurrency;

namespace Dilemma.Grains.Scenarios;

/// <summary>
/// Serves the scenario bank, and generated scenarios by id from their own grains. Stateless and
/// read-only, so every silo runs local copies and a popular topic never funnels through one activation.
/// </summary>
[StatelessWorker]
[Reentrant]
public sealed class ScenarioCatalogGrain(ScenarioBank bank) : Grain, IScenarioCatalogGrain
{
    public Task<IReadOnlyList<TopicSummary>> ListTopicsAsync() => Task.FromResult(bank.Topics);

    public Task<Scenario> GetByTopicAsync(string topic) =>
        // A caller on the wire can send null despite the signature; that is an unknown topic, not a crash.
        topic is not null && bank.FindByTopic(topic) is { } scenario
            ? Task.FromResult(scenario)
            : throw RuleViolationException.NotFound("unknown_topic", "There is no scenario for that topic; GET /topics lists the topics.");

    public Task<Scenario> GetByIdAsync(string scenarioId, CancellationToken cancellationToken)
    {
        if (scenarioId is not null && bank.FindById(scenarioId) is { } scenario)
        {
            return Task.FromResult(scenario);
        }

        return scenarioId is not null && scenarioId.StartsWith(AiRules.GeneratedIdPrefix, StringComparison.Ordinal) && ScenarioFileReader.IsKey(scenarioId)
            ? GrainFactory.GetGrain<IGeneratedScenarioGrain>(scenarioId).GetAsync(cancellationToken)
            : throw RuleViolationException.NotFound("unknown_scenario", "No scenario has this id: bank ids are listed by GET /topics, generated ones are returned by POST /ai/scenarios.");
    }
}
