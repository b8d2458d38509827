using System.Runtime.CompilerServices;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Scenarios;
using Dilemma.Grains.Scenarios;

namespace Dilemma.Grains.Research;

/// <summary>
/// <c>scenarios</c>: every scenario a selected room was created on, by scenario id and wording, each as one row per text
/// (title, summary, then round by round its title, dilemma, options and the roles' contexts and questions) in Korean and
/// English. A room created since wordings are recorded names its wording (<c>rooms.scenario_sha256</c>), and the rows give
/// that recorded text (<c>scenario_texts</c>) with its hash; for the rooms from before, a bank scenario's text comes from
/// the bank built into this version, a generated one's from <c>generated_scenarios</c>, and the hash is empty. A generated
/// scenario's provenance comes from <c>generated_scenarios</c> either way.
/// </summary>
public sealed class ScenariosSheet : ResearchSheet<ScenarioExportRow>
{
    public override ExportSheet<ScenarioExportRow> Sheet => ExportSheets.Scenarios;

    public override async IAsyncEnumerable<ScenarioExportRow> ReadAsync(MySqlSheetContext source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);

        // NULL sorts first: a scenario's unrecorded wording before its recorded ones, as the in-memory read gives them.
        var rows = source.QueryAsync(
            where => $"""
                SELECT s.scenario_id, g.provider, g.model, g.prompt_version, g.fell_back, g.fallback_reason, g.generated_at, g.raw_answer_sha256, g.scenario_json,
                       s.scenario_sha256, t.scenario_json
                FROM (SELECT DISTINCT r.scenario_id, r.scenario_sha256 FROM rooms r {where}) s
                LEFT JOIN generated_scenarios g ON g.scenario_id = s.scenario_id
                LEFT JOIN scenario_texts t ON t.text_sha256 = s.scenario_sha256
                WHERE s.scenario_id IS NOT NULL
                ORDER BY s.scenario_id, s.scenario_sha256
                """,
            cancellationToken);

        // Rows are collected per wording: the reader moves on with the next one, and a wording is a few dozen texts.
        var scenarios = new List<(string Id, GeneratedScenarioRow? Generated, RecordedWording? Wording)>();
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
            RecordedWording? wording = reader.IsDBNull(9)
                ? null
                : new RecordedWording(reader.GetString(9), reader.IsDBNull(10) ? null : ScenarioJson.Read(reader.GetString(10)));
            scenarios.Add((id, generated, wording));
        }
#pragma warning restore CA1849

        foreach (var (id, generated, wording) in scenarios)
        {
            foreach (var row in Rows(id, generated, wording))
            {
                yield return row;
            }
        }
    }

    public override async IAsyncEnumerable<ScenarioExportRow> ReadAsync(InMemorySheetContext source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var played = source.Rooms
            .Where(r => r.Record.ScenarioId is not null)
            .Select(r => (Id: r.Record.ScenarioId, Sha256: r.Record.ScenarioSha256))
            .Distinct()
            .OrderBy(p => p.Id, StringComparer.Ordinal)
            .ThenBy(p => p.Sha256, StringComparer.Ordinal)
            .ToList();
        foreach (var (id, sha256) in played)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var wording = sha256 is null ? null : new RecordedWording(sha256, source.Research.ScenarioTextOf(sha256) is { } text ? ScenarioJson.Read(text.Json) : null);
            foreach (var row in Rows(id, source.Research.GeneratedScenario(id), wording))
            {
                yield return row;
            }
        }

        await Task.CompletedTask;
    }

    /// <summary>
    /// A wording's rows: the recorded text, else (a room from before texts were recorded) the generated record, else the
    /// bank, else the one row saying its text was not recorded.
    /// </summary>
    private static IEnumerable<ScenarioExportRow> Rows(string scenarioId, GeneratedScenarioRow? generated, RecordedWording? wording)
    {
        var scenario = wording?.Scenario ?? generated?.Scenario ?? ScenarioBank.LoadEmbedded().FindById(scenarioId);
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
            generated?.RawAnswerSha256,
            wording?.Sha256);
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

    /// <summary>A wording a room named (<c>rooms.scenario_sha256</c>) and its text as recorded; null text if its row is missing.</summary>
    private sealed record RecordedWording(string Sha256, Scenario? Scenario);
}
