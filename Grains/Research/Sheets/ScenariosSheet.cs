using System.Runtime.CompilerServices;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Scenarios;
using Dilemma.Grains.Scenarios;

namespace Dilemma.Grains.Research;

/// <summary>
/// <c>scenarios</c>: every scenario a selected room was created on, by scenario id, each as one row per text (title,
/// summary, then round by round its title, dilemma, options and the roles' contexts and questions) in Korean and
/// English. A bank scenario's text comes from the bank built into this version; a generated one's, and its
/// provenance, from <c>generated_scenarios</c>, written when it was generated.
/// </summary>
public sealed class ScenariosSheet : ResearchSheet<ScenarioExportRow>
{
    public override ExportSheet<ScenarioExportRow> Sheet => ExportSheets.Scenarios;

    public override async IAsyncEnumerable<ScenarioExportRow> ReadAsync(MySqlSheetContext source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var rows = source.QueryAsync(
            where => $"""
                SELECT s.scenario_id, g.provider, g.model, g.prompt_version, g.fell_back, g.fallback_reason, g.generated_at, g.raw_answer_sha256, g.scenario_json
                FROM (SELECT DISTINCT r.scenario_id FROM rooms r {where}) s
                LEFT JOIN generated_scenarios g ON g.scenario_id = s.scenario_id
                WHERE s.scenario_id IS NOT NULL
                ORDER BY s.scenario_id
                """,
            cancellationToken);

        // Rows are collected per scenario: the reader moves on with the next scenario, and a scenario is a few dozen texts.
        var scenarios = new List<(string Id, GeneratedScenarioRow? Generated)>();
#pragma warning disable CA1849 // IsDBNull: the whole row is already received (no SequentialAccess).
        await foreach (var reader in rows)
        {
            var id = reader.GetString(0);
            GeneratedScenarioRow? generated = reader.IsDBNull(8)
                ? null
                : new GeneratedScenarioRow(
                    ScenarioJson.Read(reader.GetString(8)),
                    new Interfaces.Ai.AiProvenance(
                        reader.GetString(1),
                        reader.IsDBNull(2) ? null : reader.GetString(2),
                        reader.GetBoolean(4),
                        reader.IsDBNull(5) ? null : reader.GetString(5),
                        0,
                        reader.GetString(3)),
                    DateTime.SpecifyKind(reader.GetDateTime(6), DateTimeKind.Utc),
                    reader.IsDBNull(7) ? null : reader.GetString(7));
            scenarios.Add((id, generated));
        }
#pragma warning restore CA1849

        foreach (var (id, generated) in scenarios)
        {
            foreach (var row in Rows(id, generated))
            {
                yield return row;
            }
        }
    }

    public override async IAsyncEnumerable<ScenarioExportRow> ReadAsync(InMemorySheetContext source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var ids = source.Rooms.Select(r => r.Record.ScenarioId).Where(id => id is not null).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var id in ids)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var row in Rows(id, source.Research.GeneratedScenario(id)))
            {
                yield return row;
            }
        }

        await Task.CompletedTask;
    }

    /// <summary>A scenario's rows: from its generated record, else from the bank, else the one row saying its text was not recorded.</summary>
    private static IEnumerable<ScenarioExportRow> Rows(string scenarioId, GeneratedScenarioRow? generated)
    {
        var scenario = generated?.Scenario ?? ScenarioBank.LoadEmbedded().FindById(scenarioId);
        var ai = generated?.Ai;
        var template = new ScenarioExportRow(
            ExportValue.Clean(scenarioId),
            scenario?.Source ?? ScenarioExportRow.NotRecorded,
            scenario?.Topic,
            scenario?.Version,
            ScenarioExportRow.UnavailablePart,
            null,
            null,
            null,
            null,
            ai?.Provider,
            ai?.Model is { } model ? ExportValue.Clean(model) : null,
            ai?.PromptVersion,
            ai?.FellBack,
            ai?.FallbackReason,
            generated is null ? null : ExportValue.ToExportTime(generated.GeneratedAt),
            generated?.RawAnswerSha256);
        if (scenario is null)
        {
            yield return template;
            yield break;
        }

        ScenarioExportRow Text(string part, int? round, int? item, LocalizedText text) =>
            template with { Part = part, RoundNumber = round, Item = item, TextKo = ExportValue.Clean(text.Ko), TextEn = ExportValue.Clean(text.En) };

        yield return Text("title", null, null, scenario.Title);
        yield return Text("summary", null, null, scenario.Summary);
        foreach (var round in scenario.Rounds)
        {
            yield return Text("round_title", round.RoundNumber, null, round.Title);
            yield return Text("dilemma", round.RoundNumber, null, round.Dilemma);
            for (var option = 0; option < round.Options.Count; option++)
            {
                yield return Text("option", round.RoundNumber, option, round.Options[option]);
            }

            foreach (var (role, context) in round.RoleContexts.OrderBy(c => c.Key))
            {
                yield return Text("role_context", round.RoundNumber, role, context.Context);
                yield return Text("role_question", round.RoundNumber, role, context.Question);
            }
        }
    }
}
