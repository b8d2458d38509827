using System.Runtime.CompilerServices;
using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Grains.Research;

/// <summary>The <c>recording_events</c> sheet: only those of participants with data consent.</summary>
public sealed class RecordingEventsSource : ResearchSheet<RecordingEventExportRow>
{
    public override ExportSheet<RecordingEventExportRow> Sheet => RecordingEventsSheet.Sheet;

    public override async IAsyncEnumerable<RecordingEventExportRow> ReadAsync(MySqlSheetContext source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        await foreach (var reader in source.QueryAsync(Sql, cancellationToken))
        {
            yield return new RecordingEventExportRow(
                source.Pooled(reader.GetString(0)),
                reader.GetInt64(1),
                source.Pooled(reader.GetString(2)),
                ExportValue.ToExportTime(MySqlSheetContext.Utc(reader.GetDateTime(3))));
        }
    }

    public override async IAsyncEnumerable<RecordingEventExportRow> ReadAsync(InMemorySheetContext source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        foreach (var room in source.Rooms)
        {
            foreach (var (user, type, at) in source.Research.RecordingEvents(room.Record.RoomCode))
            {
                if (await source.IsExportedAsync(user, cancellationToken))
                {
                    yield return new RecordingEventExportRow(room.Record.RoomCode, user, type, ExportValue.ToExportTime(at));
                }
            }
        }
    }

    private static string Sql(string where) => $"""
        SELECT e.room_code, e.user_id, e.event_type, e.occurred_at
        FROM recording_events e
        JOIN rooms r ON r.room_code = e.room_code
        JOIN users u ON u.id = e.user_id
        {MySqlSheetContext.And(where, MySqlSheetContext.Exported)}
        ORDER BY e.room_code, e.id
        """;
}
