using Dilemma.Grains.Interfaces.Scenarios;
using Orleans.Concurrency;

namespace Dilemma.Grains.Interfaces.Ai;

/// <summary>
/// One generated scenario, keyed by its id and kept in grain storage, so that rooms can be created
/// on it on any silo and after any restart. Written once; its id is derived from its content.
/// </summary>
public interface IGeneratedScenarioGrain : IGrainWithStringKey
{
    /// <summary>Stores the scenario under this grain's id; saving the same scenario again changes nothing.</summary>
    Task SaveAsync(GeneratedScenarioRecord record, CancellationToken cancellationToken = default);

    /// <summary>The scenario; <c>unknown_scenario</c> (404) when nothing was saved under this id.</summary>
    [ReadOnly]
    Task<Scenario> GetAsync(CancellationToken cancellationToken = default);
}
