using System.Runtime.CompilerServices;
using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Grains.Research;

/// <summary>
/// The <c>facilitator_actions</c> sheet: the actions on the selected rooms. An action on a participant without data
/// consent is left out. The facilitator is staff acting in that role, not a research participant, so their id stays.
/// </summary>
public sealed class FacilitatorActionsSource : ResearchSheet<FacilitatorActionExportRow>
{
    public override ExportSheet<FacilitatorActionExportRow> Sheet => FacilitatorActionsSheet.Sheet;

    public override async IAsyncEnumerable<FacilitatorActionExportRow> ReadAsync(MySqlSheetContext source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        await foreach (var reader in source.QueryAsync(Sql, cancellationToken))
        {
#pragma warning disable CA1849 // IsDBNull: the whole row is already received.
            yield return new FacilitatorActionExportRow(
                source.Pooled(reader.GetString(0)),
                source.Pooled(reader.GetString(1)),
                reader.GetInt64(2),
                source.Pooled(reader.GetString(3)),
                reader.IsDBNull(4) ? null : reader.GetInt64(4),
                reader.IsDBNull(5) ? null : ExportValue.Clean(reader.GetString(5)),
                ExportValue.ToExportTime(MySqlSheetContext.Utc(reader.GetDateTime(6))));
#pragma warning restore CA1849
        }
    }

    public override async IAsyncEnumerable<FacilitatorActionExportRow> ReadAsync(InMemorySheetContext source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var byRoom = source.FacilitatorActions.Where(a => a.RoomCode is not null).ToLookup(a => a.RoomCode!, StringComparer.Ordinal);
        foreach (var room in source.Rooms)
        {
            foreach (var a in byRoom[room.Record.RoomCode])
            {
                if (a.UserId is { } user && !await source.IsExportedAsync(user, cancellationToken))
                {
                    continue;
                }

                yield return new FacilitatorActionExportRow(
                    room.Record.RoomCode, a.SessionCode, a.ActorId, a.Action, a.UserId, a.Reason is { } reason ? ExportValue.Clean(reason) : null, ExportValue.ToExportTime(a.OccurredAt.UtcDateTime));
            }
        }
    }

    private static string Sql(string where) => $"""
        SELECT f.room_code, f.session_code, f.actor_id, f.action, f.user_id, f.reason, f.occurred_at
        FROM facilitator_actions f
        JOIN rooms r ON r.room_code = f.room_code
        LEFT JOIN users u ON u.id = f.user_id
        {MySqlSheetContext.And(where, $"(f.user_id IS NULL OR {MySqlSheetContext.Exported})")}
        ORDER BY f.room_code, f.id
        """;
}
