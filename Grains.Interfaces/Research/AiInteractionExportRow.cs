namespace Dilemma.Grains.Interfaces.Research;

/// <summary>
/// One row of <c>ai_interactions</c> of a selected room: what the AI facilitator showed (questions, feedback, a bot's
/// choice), to whom (null: the whole room), when, and what produced it. Rows shown to a person without data consent are left out.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.ai-interaction-export-row")]
public sealed record AiInteractionExportRow(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] long? UserId,
    [property: Id(2)] string Kind,
    [property: Id(3)] int? RoundNumber,
    [property: Id(4)] DateTime At,
    [property: Id(5)] string Provider,
    [property: Id(6)] string? Model,
    [property: Id(7)] string PromptVersion,
    [property: Id(8)] bool FellBack,
    [property: Id(9)] string? FallbackReason)
{
    public static IReadOnlyList<ExportColumn<AiInteractionExportRow>> Columns { get; } =
    [
        new("room_code", ExportValueKind.Text, "The room (see the rooms sheet); text, leading zeros count.", r => ExportValue.Of(r.RoomCode)),
        new("user_id", ExportValueKind.Number, "To whom it was shown: the participant's user id (the participants sheet's, pseudonymised alike); empty when a facilitator or researcher showed feedback to the whole room.", r => ExportValue.Of(r.UserId))
        {
            UserIds = static (r, pseudonym) => r with { UserId = r.UserId is { } id ? pseudonym(id) : null },
        },
        new("kind", ExportValueKind.Text, "question (a participant's role questions for the round), feedback (on a round, or on the whole game when round_number is empty) or bot_choice (a bot seat's choice; its reason is in the bot's decision row).", r => ExportValue.Of(r.Kind)),
        new("round_number", ExportValueKind.Number, "The round (1-5) the questions or the bot's choice were for, or the feedback was on; empty for feedback on the whole game.", r => ExportValue.Of(r.RoundNumber)),
        new("occurred_at", ExportValueKind.Timestamp, "When it was produced and shown (UTC).", r => ExportValue.Of(r.At)),
        new("provider", ExportValueKind.Text, "openai (a model answered) or offline (the built-in rules answered: no model configured, or the model's call fell back).", r => ExportValue.Of(r.Provider)),
        new("model", ExportValueKind.Text, "The model (or Azure deployment) asked; empty when the offline rules answered without one.", r => ExportValue.Of(r.Model)),
        new("prompt_version", ExportValueKind.Text, "The prompt text version, language and purpose (version/language/purpose, e.g. v1/en/questions); the prompts are versioned files in the source.", r => ExportValue.Of(r.PromptVersion)),
        new("fell_back", ExportValueKind.Boolean, "TRUE when the model was asked but its answer could not be used, so the offline rules answered instead.", r => ExportValue.Of(r.FellBack)),
        new("fallback_reason", ExportValueKind.Text, "Why it fell back: timeout, circuit_open, upstream_error, unreachable, busy or invalid_response; empty otherwise.", r => ExportValue.Of(r.FallbackReason)),
    ];
}
