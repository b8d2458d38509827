namespace Dilemma.Grains.Interfaces.Research;

/// <summary>A voice recording started or stopped (<c>recording_events</c>).</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.recording-event-export-row")]
public sealed record RecordingEventExportRow(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] long UserId,
    [property: Id(2)] string EventType,
    [property: Id(3)] DateTime At);

/// <summary>The <c>recording_events</c> sheet.</summary>
public static class RecordingEventsSheet
{
    public static ExportSheet<RecordingEventExportRow> Sheet { get; } = new("recording_events",
    [
        new("room_code", ExportValueKind.Text, "The room (see the rooms sheet).", r => ExportValue.Of(r.RoomCode)),
        new("user_id", ExportValueKind.Number, "Who started or stopped the recording; only participants with data consent.", r => ExportValue.Of(r.UserId))
        {
            UserIds = static (r, pseudonym) => r with { UserId = pseudonym(r.UserId) },
        },
        new("event_type", ExportValueKind.Text, "recording_started or recording_stopped.", r => ExportValue.Of(r.EventType)),
        new("at", ExportValueKind.Timestamp, "When (UTC).", r => ExportValue.Of(r.At)),
    ]);
}
