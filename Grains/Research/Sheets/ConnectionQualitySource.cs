using System.Runtime.CompilerServices;
using Dilemma.Grains.Interfaces.Research;
using MySqlConnector;

namespace Dilemma.Grains.Research;

/// <summary>
/// The <c>connection_quality</c> sheet: only the reports of participants with data consent, and the peer named only when
/// the peer has it too (as the other sheets name an actor or a consensus's submitter).
/// </summary>
public sealed class ConnectionQualitySource : ResearchSheet<ConnectionQualityExportRow>
{
    public override ExportSheet<ConnectionQualityExportRow> Sheet => ConnectionQualitySheet.Sheet;

    public override IAsyncEnumerable<ConnectionQualityExportRow> ReadAsync(MySqlSheetContext source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.QueryByRoomBatchAsync(Sql, reader => Read(reader, source), cancellationToken);
    }

    private static ConnectionQualityExportRow Read(MySqlDataReader reader, MySqlSheetContext source)
    {
#pragma warning disable CA1849 // IsDBNull: the whole row is already received.
        return new ConnectionQualityExportRow(
            source.Pooled(reader.GetString(0)),
            reader.GetInt64(1),
            reader.IsDBNull(2) ? null : reader.GetInt64(2),
            reader.GetInt32(3),
            source.Pooled(reader.GetString(4)),
            reader.GetBoolean(5),
            reader.IsDBNull(6) ? null : reader.GetDouble(6),
            reader.IsDBNull(7) ? null : reader.GetDouble(7),
            reader.IsDBNull(8) ? null : reader.GetInt64(8),
            reader.IsDBNull(9) ? null : reader.GetInt64(9),
            ExportValue.ToExportTime(MySqlSheetContext.Utc(reader.GetDateTime(10))));
#pragma warning restore CA1849
    }

    public override async IAsyncEnumerable<ConnectionQualityExportRow> ReadAsync(InMemorySheetContext source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        foreach (var room in source.Rooms)
        {
            foreach (var r in source.Research.ConnectionQuality(room.Record.RoomCode))
            {
                if (await source.IsExportedAsync(r.UserId, cancellationToken))
                {
                    long? peer = r.PeerUserId is { } id && await source.IsExportedAsync(id, cancellationToken) ? id : null;
                    yield return new ConnectionQualityExportRow(
                        r.RoomCode, r.UserId, peer, r.RoundNumber, r.ConnectionState, r.Relayed, r.RoundTripMs, r.JitterMs, r.PacketsReceived, r.PacketsLost, ExportValue.ToExportTime(r.ReportedAt));
                }
            }
        }
    }

    private static string Sql(string where) => $"""
        SELECT q.room_code, q.user_id, IF({MySqlSheetContext.ExportedAs("p")}, q.peer_user_id, NULL), q.round_number, q.connection_state, q.relayed, q.round_trip_ms, q.jitter_ms,
               q.packets_received, q.packets_lost, q.reported_at
        FROM connection_quality q
        JOIN rooms r ON r.room_code = q.room_code
        JOIN users u ON u.id = q.user_id
        LEFT JOIN users p ON p.id = q.peer_user_id
        {MySqlSheetContext.And(where, MySqlSheetContext.Exported)}
        ORDER BY q.room_code, q.id
        """;
}
