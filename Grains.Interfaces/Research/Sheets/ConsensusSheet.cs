namespace Dilemma.Grains.Interfaces.Research;

/// <summary>One round's outcome in one room: its consensus, or no_consensus when the deadline passed without one.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.consensus-export-row")]
public sealed record ConsensusExportRow(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] int RoundNumber,
    [property: Id(2)] string Status,
    [property: Id(3)] int? Choice,
    [property: Id(4)] int? Confidence,
    [property: Id(5)] long? SubmittedBy,
    [property: Id(6)] DateTime At,
    [property: Id(7)] string? Language = null);

/// <summary>The <c>consensus</c> sheet: one row per round per room that reached a consensus or closed without one.</summary>
public static class ConsensusSheet
{
    public const string Reached = "consensus";

    public static ExportSheet<ConsensusExportRow> Sheet { get; } = new("consensus",
    [
        new("room_code", ExportValueKind.Text, "The room (see the rooms sheet).", r => ExportValue.Of(r.RoomCode)),
        new("round", ExportValueKind.Number, "The round (1-5).", r => ExportValue.Of(r.RoundNumber)),
        new("status", ExportValueKind.Text, "consensus: the group recorded its choice; no_consensus: the consensus deadline passed without one and the next round opened.", r => ExportValue.Of(r.Status)),
        new("choice", ExportValueKind.Number, "The group's choice (0-3; see the codebook's round_N_consensus_choice codes); empty for no_consensus.", r => ExportValue.Of(r.Choice)),
        new("confidence", ExportValueKind.Number, "The group's confidence in it (1-5); empty for no_consensus.", r => ExportValue.Of(r.Confidence)),
        new("submitted_by", ExportValueKind.Number, "The user id of who submitted it for the group; empty for no_consensus, when they gave no data consent, or when their data was erased.", r => ExportValue.Of(r.SubmittedBy))
        {
            UserIds = static (r, pseudonym) => r with { SubmittedBy = r.SubmittedBy is { } id ? pseudonym(id) : null },
        },
        new("at", ExportValueKind.Timestamp, "When it was recorded (UTC).", r => ExportValue.Of(r.At)),
        new("language", ExportValueKind.Text, $"The language the submitter's page showed the round in when the consensus was sent: {Rooms.PageLanguage.Korean} or {Rooms.PageLanguage.English}. Empty when it was not recorded: a client that did not send it (the original front end), a consensus before it was recorded (migration 2026121002), and no_consensus.", r => ExportValue.Of(r.Language)),
    ]);
}
