namespace Dilemma.Grains.Interfaces.Research;

/// <summary>
/// One text of a scenario played in a selected room (long format: a scenario is one row per text), with the
/// provenance of a generated scenario repeated on each of its rows. <see cref="Item"/> is the option's index
/// (the choice code) for an option, the role id for a role's context or question. <see cref="TextSha256"/> names the
/// recorded wording the rows give (the rooms sheet's scenario_sha256); null for rooms from before wordings were recorded.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.scenario-export-row")]
public sealed record ScenarioExportRow(
    [property: Id(0)] string ScenarioId,
    [property: Id(1)] string Source,
    [property: Id(2)] string? Topic,
    [property: Id(3)] string? Version,
    [property: Id(4)] string Part,
    [property: Id(5)] int? RoundNumber,
    [property: Id(6)] int? Item,
    [property: Id(7)] string? TextKo,
    [property: Id(8)] string? TextEn,
    [property: Id(9)] string? Provider,
    [property: Id(10)] string? Model,
    [property: Id(11)] string? PromptVersion,
    [property: Id(12)] bool? FellBack,
    [property: Id(13)] string? FallbackReason,
    [property: Id(14)] DateTime? GeneratedAt,
    [property: Id(15)] string? RawAnswerSha256,
    [property: Id(16)] string? TextSha256 = null)
{
    /// <summary>What the export gives a room that has no recorded text, as the codebook says it.</summary>
    public const string UnrecordedTextMeaning =
        "its scenario's rows with an empty text_sha256 give a bank scenario's text from the bank built into the version doing the export, not a recorded one (a generated scenario's from generated_scenarios, as recorded when it was generated), so they may differ from what was shown if the bank's wording has changed since.";

    /// <summary>The <see cref="Source"/> of a generated scenario played before generated scenarios were recorded: its text is not in the export.</summary>
    public const string NotRecorded = "generated_not_recorded";

    /// <summary>The <see cref="Part"/> of the one row such a scenario gets.</summary>
    public const string UnavailablePart = "unavailable";

    public static IReadOnlyList<ExportColumn<ScenarioExportRow>> Columns { get; } =
    [
        new("scenario_id", ExportValueKind.Text, "The scenario, as the rooms sheet's scenario_id names it: the bank's ids, or gen- and a content hash for a generated one.", r => ExportValue.Of(r.ScenarioId)),
        new("source", ExportValueKind.Text, $"bank (the curated scenarios), llm (written by a model), offline (varied from a bank scenario by the offline rules), or {NotRecorded} (generated before generated scenarios were recorded: no text).", r => ExportValue.Of(r.Source)),
        new("topic", ExportValueKind.Text, "The scenario's topic.", r => ExportValue.Of(r.Topic)),
        new("version", ExportValueKind.Text, "The scenario's content version (a bank file's version, a generated scenario's content hash).", r => ExportValue.Of(r.Version)),
        new("part", ExportValueKind.Text, $"Which text: title, summary, round_title, dilemma, option, role_context or role_question ({UnavailablePart} when the text was not recorded).", r => ExportValue.Of(r.Part)),
        new("round_number", ExportValueKind.Number, "The round (1-5) of a round's text; empty for the title and summary.", r => ExportValue.Of(r.RoundNumber)),
        new("item", ExportValueKind.Number, "For an option, its index: the choice code (0-3) the decision columns use; for a role's context or question, the role id (1 caregiver, 2 family member, 3 AI developer); empty otherwise.", r => ExportValue.Of(r.Item)),
        new("text_ko", ExportValueKind.Text, "The text in Korean, as shown to participants playing in Korean.", r => ExportValue.Of(r.TextKo)),
        new("text_en", ExportValueKind.Text, "The text in English.", r => ExportValue.Of(r.TextEn)),
        new("provider", ExportValueKind.Text, "Generated scenarios: openai (a model wrote it) or offline (the offline rules did, also after a model's call fell back); empty for the bank.", r => ExportValue.Of(r.Provider)),
        new("model", ExportValueKind.Text, "Generated scenarios: the model (or Azure deployment) asked; empty when none was.", r => ExportValue.Of(r.Model)),
        new("prompt_version", ExportValueKind.Text, "Generated scenarios: the prompt version/language/purpose (e.g. v1/en/scenario).", r => ExportValue.Of(r.PromptVersion)),
        new("fell_back", ExportValueKind.Boolean, "Generated scenarios: TRUE when the model's answer could not be used and the offline rules made the scenario.", r => ExportValue.Of(r.FellBack)),
        new("fallback_reason", ExportValueKind.Text, "Generated scenarios: why it fell back (timeout, circuit_open, upstream_error, unreachable, busy, invalid_response).", r => ExportValue.Of(r.FallbackReason)),
        new("generated_at", ExportValueKind.Timestamp, "Generated scenarios: when it was generated (UTC).", r => ExportValue.Of(r.GeneratedAt)),
        new("raw_answer_sha256", ExportValueKind.Text, "Generated scenarios written by a model: SHA-256 (lower-case hex) of the model's answer exactly as received (UTF-8), the text the scenario was read from; empty when no model answer was used.", r => ExportValue.Of(r.RawAnswerSha256)),
        new("text_sha256", ExportValueKind.Text, $"Which wording these rows are: SHA-256 (lower-case hex) of the scenario's canonical text as recorded when a room was created on it, the rooms sheet's scenario_sha256 of the rooms that played it; a scenario whose wording changed between rooms has a set of rows per wording. Empty: rows for rooms created before wordings were recorded (migration 2026121001); {UnrecordedTextMeaning}", r => ExportValue.Of(r.TextSha256)),
    ];
}
