using System.Text.Json;
using Dilemma.Grains.Interfaces.Scenarios;

namespace Dilemma.Grains.Research;

/// <summary>
/// A scenario as <c>generated_scenarios.scenario_json</c> holds it: System.Text.Json's default shape of the
/// <see cref="Scenario"/> record (property names as in C#), read back by the export.
/// </summary>
public static class ScenarioJson
{
    public static string Write(Scenario scenario) => JsonSerializer.Serialize(scenario);

    public static Scenario Read(string json) =>
        JsonSerializer.Deserialize<Scenario>(json) ?? throw new InvalidOperationException("A generated_scenarios row holds no scenario.");
}
