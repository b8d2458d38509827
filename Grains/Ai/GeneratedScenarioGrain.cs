using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Scenarios;
using Dilemma.Grains.Storage;

namespace Dilemma.Grains.Ai;

/// <summary>
/// One generated scenario in grain storage (storage name <c>generated-scenario</c>: MySQL in cluster
/// mode, memory in embedded mode). The scenario catalog resolves ids through it, so a room can be
/// created on a generated scenario from any gateway, on any silo, after any restart.
/// </summary>
public sealed class GeneratedScenarioGrain(
    [PersistentState("generated-scenario", StorageNames.Game)] IPersistentState<GeneratedScenarioState> stored) : Grain, IGeneratedScenarioGrain
{
    public async Task SaveAsync(GeneratedScenarioRecord record, CancellationToken cancellationToken)
    {
        var id = this.GetPrimaryKeyString();
        if (record.Scenario.Id != id)
        {
            throw RuleViolationException.Invalid("scenario_id_mismatch", "scenario_id", $"Scenario {record.Scenario.Id} cannot be stored as {id}.");
        }

        if (stored.State.Scenario is { } existing)
        {
            // Ids are content hashes: the same id is the same scenario, saved again by another request.
            if (existing.Version == record.Scenario.Version)
            {
                return;
            }

            throw RuleViolationException.Conflict("scenario_exists", $"Scenario {id} is already stored with other content.");
        }

        stored.State.Scenario = record.Scenario;
        stored.State.Ai = record.Ai;
        stored.State.RequestedBy = record.RequestedBy;
        stored.State.GeneratedAt = record.GeneratedAt.UtcDateTime;
        try
        {
            await stored.WriteStateAsync(cancellationToken);
        }
        catch
        {
            // Memory is ahead of storage now: let the next call read what was stored.
            DeactivateOnIdle();
            throw;
        }
    }

    public Task<Scenario> GetAsync(CancellationToken cancellationToken)
    {
        if (stored.State.Scenario is { } scenario)
        {
            return Task.FromResult(scenario);
        }

        // Nothing to keep in memory for an id nobody saved.
        DeactivateOnIdle();
        throw RuleViolationException.NotFound("unknown_scenario", "No scenario has this id.");
    }
}

// Stored as JSON in OrleansStorage: property names are the stored schema. Add properties freely;
// never rename or repurpose one.

/// <summary>A generated scenario with where it came from (storage name <c>generated-scenario</c>), written once.</summary>
[GenerateSerializer]
public sealed class GeneratedScenarioState
{
    [Id(0)]
    public Scenario? Scenario { get; set; }

    [Id(1)]
    public AiProvenance? Ai { get; set; }

    [Id(2)]
    public long RequestedBy { get; set; }

    [Id(3)]
    public DateTime GeneratedAt { get; set; }
}
