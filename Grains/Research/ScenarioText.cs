using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Dilemma.Grains.Interfaces.Scenarios;

namespace Dilemma.Grains.Research;

/// <summary>
/// A scenario's text as a room played it (<c>scenario_texts</c>): its canonical serialisation and the SHA-256 of that
/// (lower-case hex), which <c>rooms.scenario_sha256</c> and the export's <c>text_sha256</c> name it by.
/// </summary>
/// <remarks>
/// Canonical: <see cref="ScenarioJson"/>'s shape with each round's roles in id order, so the same scenario gives the same
/// bytes whichever order its roles were read in (a bank file, a model's answer, a row read back). The hash covers the
/// scenario's id, topic, version and source as well as its words: a room's row and its text then cannot disagree on them.
/// </remarks>
public sealed record ScenarioText(string Sha256, string ScenarioId, string Json)
{
    // Scenarios are immutable and the bank's are the same instances for every room: each is serialised once.
    private static readonly ConditionalWeakTable<Scenario, ScenarioText> Known = [];

    public static ScenarioText Of(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return Known.GetValue(scenario, static s =>
        {
            var json = ScenarioJson.Write(Canonical(s));
            return new ScenarioText(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json))), s.Id, json);
        });
    }

    private static Scenario Canonical(Scenario scenario) => scenario with
    {
        Rounds = [.. scenario.Rounds.Select(r => r with { RoleContexts = new SortedDictionary<int, RoleContext>(r.RoleContexts.ToDictionary()) })],
    };
}
