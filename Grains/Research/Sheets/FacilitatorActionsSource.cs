using System.Runtime.CompilerServices;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Sessions;

namespace Dilemma.Grains.Research;

/// <summary>
/// The <c>facilitator_actions</c> sheet: the actions on the selected rooms. An action on a participant without data
/// consent is left out. The facilitator is staff acting in that role, not a research participant, so their id stays.
/// A pause or resume of a whole session is audited once, with no room, yet it stops the clock of every room then playing:
/// left off, a study would read the pause as time its participants took to decide (ms_since_round_opened) with nothing in
/// the export to say otherwise. It is on the row of each selected room of the session that was playing when it took effect.
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
        // Each action with its place in the audit, so a room's own actions and the session's pauses go out in the order
        // recorded, as the MySQL read orders by the audit's id.
        var audit = source.FacilitatorActions.Select((Action, Index) => (Action, Index)).ToList();
        var byRoom = audit.Where(e => e.Action.RoomCode is not null).ToLookup(e => e.Action.RoomCode!, StringComparer.Ordinal);
        var sessionWide = audit.Where(e => e.Action.RoomCode is null && IsSessionPause(e.Action.Action)).ToLookup(e => e.Action.SessionCode, StringComparer.Ordinal);
        foreach (var room in source.Rooms)
        {
            var playing = room.Record.SessionCode is { } session
                ? sessionWide[session].Where(e => Playing(room, e.Action.OccurredAt.UtcDateTime))
                : [];
            foreach (var (a, _) in byRoom[room.Record.RoomCode].Concat(playing).OrderBy(e => e.Index))
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

    private static bool IsSessionPause(string action) => action is FacilitatorActionKind.PauseSession or FacilitatorActionKind.ResumeSession;

    // Started at or before the action, and not yet finished: as MySQL's condition below.
    private static bool Playing(RecordedRoom room, DateTime at) =>
        room.Progress?.StartedAt is { } started && started <= at && (room.Progress.FinishedAt is not { } finished || finished > at);

    private static string Sql(string where) => $"""
        SELECT f.room_code AS room_code, f.session_code, f.actor_id, f.action, f.user_id, f.reason, f.occurred_at, f.id AS audit_id
        FROM facilitator_actions f
        JOIN rooms r ON r.room_code = f.room_code
        LEFT JOIN users u ON u.id = f.user_id
        {MySqlSheetContext.And(where, $"(f.user_id IS NULL OR {MySqlSheetContext.Exported})")}
        UNION ALL
        SELECT r.room_code, f.session_code, f.actor_id, f.action, f.user_id, f.reason, f.occurred_at, f.id
        FROM rooms r
        JOIN facilitator_actions f ON f.session_code = r.session_code AND f.room_code IS NULL
        {MySqlSheetContext.And(where, $"f.action IN ('{FacilitatorActionKind.PauseSession}', '{FacilitatorActionKind.ResumeSession}') AND r.started_at <= f.occurred_at AND (r.finished_at IS NULL OR r.finished_at > f.occurred_at)")}
        ORDER BY room_code, audit_id
        """;
}
