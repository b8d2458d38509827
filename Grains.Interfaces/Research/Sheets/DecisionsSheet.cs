namespace Dilemma.Grains.Interfaces.Research;

/// <summary>
/// One decision of one seat in one round: one submission of its choice (<see cref="Status"/> chosen; a revised choice has a
/// row per submission), or its absence (timed_out, absent) as the room's events record it. Times are UTC, truncated to milliseconds.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.decision-export-row")]
public sealed record DecisionExportRow(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] long UserId,
    [property: Id(2)] int RoundNumber,
    [property: Id(3)] string Status,
    [property: Id(4)] int? Choice,
    [property: Id(5)] int? Confidence,
    [property: Id(6)] int? Revision,
    [property: Id(7)] DateTime At,
    [property: Id(8)] long? MillisecondsSinceRoundOpened,
    [property: Id(9)] bool IsBot,
    [property: Id(10)] string? BotReason,
    [property: Id(11)] string? Language = null);

/// <summary>The <c>decisions</c> sheet: the long format of every round's decisions, one row per submission (and per time-out or absence).</summary>
public static class DecisionsSheet
{
    public const string Chosen = "chosen";

    public static ExportSheet<DecisionExportRow> Sheet { get; } = new("decisions",
    [
        new("room_code", ExportValueKind.Text, "The room (see the rooms sheet).", r => ExportValue.Of(r.RoomCode)),
        new("user_id", ExportValueKind.Number, "The participant (see the participants sheet); only participants with data consent, and bots.", r => ExportValue.Of(r.UserId))
        {
            UserIds = static (r, pseudonym) => r with { UserId = pseudonym(r.UserId) },
        },
        new("round", ExportValueKind.Number, "The round (1-5).", r => ExportValue.Of(r.RoundNumber)),
        new("status", ExportValueKind.Text, "chosen: one submission of the participant's choice (each revision is its own row, in revision order); timed_out: the choice deadline passed without their choice; absent: the round closed without it because they had dropped out or were removed.", r => ExportValue.Of(r.Status)),
        new("choice", ExportValueKind.Number, "The option chosen (0-3; see the codebook's round_N_choice codes for the room's topic); empty unless chosen.", r => ExportValue.Of(r.Choice)),
        new("confidence", ExportValueKind.Number, "Self-rated confidence in the choice (1-5); empty unless chosen.", r => ExportValue.Of(r.Confidence)),
        new("revision", ExportValueKind.Number, "Which submission of the participant's choice in that round this row is: 1 for the first, 2 for the first revision, and so on; the highest is the choice that counted. Empty unless chosen.", r => ExportValue.Of(r.Revision)),
        new("at", ExportValueKind.Timestamp, "When this submission was recorded, or when the time-out or absence was recorded (UTC).", r => ExportValue.Of(r.At)),
        new("ms_since_round_opened", ExportValueKind.Number, "Milliseconds from the round's opening to at, both times as the export shows them (to the millisecond). A round opens when the game starts (round 1: the rooms sheet's started_at) or when the previous round's consensus, or its no_consensus event, is recorded (the consensus sheet's at); empty when that time is not recorded. It includes any time the room was paused meanwhile (facilitator_actions pause_room to resume_room, pause_session to resume_session; a wait for a dropped participant, room_events), in which nobody could choose.", r => ExportValue.Of(r.MillisecondsSinceRoundOpened)),
        new("is_bot", ExportValueKind.Boolean, "TRUE if a bot's seat made the decision (see the participants sheet's is_bot).", r => ExportValue.Of(r.IsBot)),
        new("bot_reason", ExportValueKind.Text, "The one sentence the model gave for a bot's choice; empty for a person's, and for the seeded rule's.", r => ExportValue.Of(r.BotReason)),
        new("language", ExportValueKind.Text, $"The language the participant's page showed the round in (its text: the scenarios sheet's text_ko or text_en) when this submission was sent: {Rooms.PageLanguage.Korean} or {Rooms.PageLanguage.English}. Empty when it was not recorded: a client that did not send it (the original front end), a submission before it was recorded (migration 2026121002), a bot's choice, and a time-out or absence.", r => ExportValue.Of(r.Language)),
    ]);
}
