namespace Dilemma.Grains.Interfaces.Research;

/// <summary>One facilitator action on a selected room (<c>facilitator_actions</c>).</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.facilitator-action-export-row")]
public sealed record FacilitatorActionExportRow(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] string SessionCode,
    [property: Id(2)] long ActorId,
    [property: Id(3)] string Action,
    [property: Id(4)] long? UserId,
    [property: Id(5)] string? Reason,
    [property: Id(6)] DateTime At);

/// <summary>The <c>facilitator_actions</c> sheet: what facilitators did to the selected rooms.</summary>
public static class FacilitatorActionsSheet
{
    public static ExportSheet<FacilitatorActionExportRow> Sheet { get; } = new("facilitator_actions",
    [
        new("room_code", ExportValueKind.Text, "The room acted on (see the rooms sheet). A pause or resume of the whole session (pause_session, resume_session) is on the row of every room of it that was playing then, since it stopped that room's clock; other actions on a session as a whole, with no room, are not on this sheet.", r => ExportValue.Of(r.RoomCode)),
        new("session_code", ExportValueKind.Text, "The session the room belongs to.", r => ExportValue.Of(r.SessionCode)),
        new("actor_id", ExportValueKind.Number, "The facilitator's user id.", r => ExportValue.Of(r.ActorId))
        {
            UserIds = static (r, pseudonym) => r with { ActorId = pseudonym(r.ActorId) },
        },
        new("action", ExportValueKind.Text, "What the facilitator did (the session audit's action word); the codebook lists the words.", r => ExportValue.Of(r.Action)),
        new("user_id", ExportValueKind.Number, "The participant acted on; empty for an action on the room. Actions on a participant without data consent are left out.", r => ExportValue.Of(r.UserId))
        {
            UserIds = static (r, pseudonym) => r with { UserId = r.UserId is { } id ? pseudonym(id) : null },
        },
        new("reason", ExportValueKind.Text, "The reason the facilitator gave; empty if none.", r => ExportValue.Of(r.Reason)),
        new("at", ExportValueKind.Timestamp, "When it took effect (UTC).", r => ExportValue.Of(r.At)),
    ]);
}
