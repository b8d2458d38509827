using System.Runtime.CompilerServices;
using Dilemma.Grains.Interfaces.Research;
using MySqlConnector;

namespace Dilemma.Grains.Research;

/// <summary>
/// The <c>room_events</c> sheet. An event about a participant without data consent is left out; an actor without it is
/// left empty (the event itself, a host change say, belongs to the room).
/// </summary>
public sealed class RoomEventsSource : ResearchSheet<RoomEventExportRow>
{
    public override ExportSheet<RoomEventExportRow> Sheet => RoomEventsSheet.Sheet;

    public override IAsyncEnumerable<RoomEventExportRow> ReadAsync(MySqlSheetContext source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.QueryByRoomBatchAsync(Sql, reader => Read(reader, source), cancellationToken);
    }

    private static RoomEventExportRow Read(MySqlDataReader reader, MySqlSheetContext source)
    {
#pragma warning disable CA1849 // IsDBNull: the whole row is already received.
        return new RoomEventExportRow(
            source.Pooled(reader.GetString(0)),
            source.Pooled(reader.GetString(1)),
            reader.IsDBNull(2) ? null : reader.GetInt64(2),
            reader.IsDBNull(3) ? null : reader.GetInt32(3),
            reader.IsDBNull(4) ? null : reader.GetInt64(4),
            reader.GetBoolean(5),
            ExportValue.ToExportTime(MySqlSheetContext.Utc(reader.GetDateTime(6))));
#pragma warning restore CA1849
    }

    public override async IAsyncEnumerable<RoomEventExportRow> ReadAsync(InMemorySheetContext source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        foreach (var room in source.Rooms)
        {
            foreach (var e in source.Research.RoomEvents(room.Record.RoomCode))
            {
                if (e.UserId is { } user && !await source.IsExportedAsync(user, cancellationToken))
                {
                    continue;
                }

                long? actor = e.ActorId is { } id && await source.IsExportedAsync(id, cancellationToken) ? id : null;
                yield return new RoomEventExportRow(e.RoomCode, e.EventType, e.UserId, e.RoundNumber, actor, e.IsBot, ExportValue.ToExportTime(e.At));
            }
        }
    }

    private static string Sql(string where) => $"""
        SELECT e.room_code, e.event_type, e.user_id, e.round_number, IF({MySqlSheetContext.ExportedAs("a")}, e.actor_id, NULL), e.is_bot, e.occurred_at
        FROM room_events e
        JOIN rooms r ON r.room_code = e.room_code
        LEFT JOIN users u ON u.id = e.user_id
        LEFT JOIN users a ON a.id = e.actor_id
        {MySqlSheetContext.And(where, $"(e.user_id IS NULL OR {MySqlSheetContext.Exported})")}
        ORDER BY e.room_code, e.id
        """;
}
