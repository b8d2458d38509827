namespace Dilemma.Grains.Interfaces.Research;

/// <summary>One event of a game's course (<c>room_events</c>).</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.room-event-export-row")]
public sealed record RoomEventExportRow(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] string EventType,
    [property: Id(2)] long? UserId,
    [property: Id(3)] int? RoundNumber,
    [property: Id(4)] long? ActorId,
    [property: Id(5)] bool IsBot,
    [property: Id(6)] DateTime At);

/// <summary>The <c>room_events</c> sheet: dropouts, returns, time-outs, rounds without consensus, host changes, early ends, bots joining.</summary>
public static class RoomEventsSheet
{
    public static ExportSheet<RoomEventExportRow> Sheet { get; } = new("room_events",
    [
        new("room_code", ExportValueKind.Text, "The room (see the rooms sheet).", r => ExportValue.Of(r.RoomCode)),
        new("event_type", ExportValueKind.Text, "What happened; the codebook lists the words.", r => ExportValue.Of(r.EventType)),
        new("user_id", ExportValueKind.Number, "Whom the event is about; empty for the room's own events. Events about a participant without data consent are left out.", r => ExportValue.Of(r.UserId))
        {
            UserIds = static (r, pseudonym) => r with { UserId = r.UserId is { } id ? pseudonym(id) : null },
        },
        new("round", ExportValueKind.Number, "The round in play when it happened (a round's own events: that round); empty before the game started or after it ended, and on rows recorded before 2026-12-07, when drops, returns, removals and host changes carried none.", r => ExportValue.Of(r.RoundNumber)),
        new("actor_id", ExportValueKind.Number, "Who made it happen; empty when the server did, or when the actor gave no data consent or was erased.", r => ExportValue.Of(r.ActorId))
        {
            UserIds = static (r, pseudonym) => r with { ActorId = r.ActorId is { } id ? pseudonym(id) : null },
        },
        new("is_bot", ExportValueKind.Boolean, "TRUE if a bot's seat produced it.", r => ExportValue.Of(r.IsBot)),
        new("at", ExportValueKind.Timestamp, "When it happened (UTC).", r => ExportValue.Of(r.At)),
    ]);
}
