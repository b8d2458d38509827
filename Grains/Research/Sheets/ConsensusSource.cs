using System.Runtime.CompilerServices;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;
using MySqlConnector;

namespace Dilemma.Grains.Research;

/// <summary>The <c>consensus</c> sheet from <c>consensus_choices</c> and the <c>no_consensus</c> rows of <c>room_events</c>.</summary>
public sealed class ConsensusSource : ResearchSheet<ConsensusExportRow>
{
    public override ExportSheet<ConsensusExportRow> Sheet => ConsensusSheet.Sheet;

    public override IAsyncEnumerable<ConsensusExportRow> ReadAsync(MySqlSheetContext source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.QueryByRoomBatchAsync(Sql, reader => Read(reader, source), cancellationToken);
    }

    private static ConsensusExportRow Read(MySqlDataReader reader, MySqlSheetContext source)
    {
#pragma warning disable CA1849 // IsDBNull: the whole row is already received.
        return new ConsensusExportRow(
            source.Pooled(reader.GetString(0)),
            reader.GetInt32(1),
            source.Pooled(reader.GetString(2)),
            reader.IsDBNull(3) ? null : reader.GetInt32(3),
            reader.IsDBNull(4) ? null : reader.GetInt32(4),
            reader.IsDBNull(5) ? null : reader.GetInt64(5),
            ExportValue.ToExportTime(MySqlSheetContext.Utc(reader.GetDateTime(6))),
            PageLanguage.FromCode(reader.GetInt32(7)));
#pragma warning restore CA1849
    }

    public override async IAsyncEnumerable<ConsensusExportRow> ReadAsync(InMemorySheetContext source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        foreach (var room in source.Rooms)
        {
            var code = room.Record.RoomCode;
            var rows = new List<ConsensusExportRow>();
            foreach (var consensus in room.Consensus)
            {
                // 0: the submitter's data was erased (as NULL in MySQL).
                long? by = consensus.SubmittedBy != 0 && await source.IsExportedAsync(consensus.SubmittedBy, cancellationToken) ? consensus.SubmittedBy : null;
                rows.Add(new ConsensusExportRow(code, consensus.RoundNumber, ConsensusSheet.Reached, consensus.Choice, consensus.Confidence, by, ExportValue.ToExportTime(consensus.At), consensus.Language));
            }

            rows.AddRange(source.Research.RoomEvents(code)
                .Where(e => e.EventType == RoomEventType.NoConsensus && e.RoundNumber is not null)
                .Select(e => new ConsensusExportRow(code, e.RoundNumber!.Value, RoomEventType.NoConsensus, null, null, null, ExportValue.ToExportTime(e.At))));
            foreach (var row in rows.OrderBy(r => r.RoundNumber).ThenBy(r => r.Status, StringComparer.Ordinal))
            {
                yield return row;
            }
        }
    }

    private static string Sql(string where) => $"""
        SELECT k.room_code, k.round_number, '{ConsensusSheet.Reached}' AS status, k.choice, k.confidence,
               IF({MySqlSheetContext.ExportedAs("u")}, k.submitted_by, NULL), k.created_at, {PageLanguage.CodeSql("k.language")}
        FROM consensus_choices k
        JOIN rooms r ON r.room_code = k.room_code
        LEFT JOIN users u ON u.id = k.submitted_by
        {where}
        UNION ALL
        SELECT e.room_code, e.round_number, e.event_type, NULL, NULL, NULL, e.occurred_at, 0
        FROM room_events e
        JOIN rooms r ON r.room_code = e.room_code
        {MySqlSheetContext.And(where, $"e.event_type = '{RoomEventType.NoConsensus}' AND e.round_number IS NOT NULL")}
        ORDER BY 1, 2, 3
        """;
}
