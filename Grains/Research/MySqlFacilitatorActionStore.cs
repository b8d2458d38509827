using Dapper;
using Dilemma.Grains.Interfaces.Sessions;
using MySqlConnector;

namespace Dilemma.Grains.Research;

/// <summary>The audit in <c>facilitator_actions</c> (migrations 2026120360, 2026120393 and 2026120701).</summary>
public sealed class MySqlFacilitatorActionStore(MySqlDataSource dataSource) : IFacilitatorActionStore
{
    public async Task RecordAsync(FacilitatorActionEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            // A replayed action with a key is the row already there (unique session_code, once_key). Not INSERT IGNORE, which
            // would pass over a broken foreign key or a reason too long as well.
            """
            INSERT INTO facilitator_actions (session_code, actor_id, action, room_code, user_id, reason, occurred_at, message, to_room_code, once_key)
            VALUES (@SessionCode, @ActorId, @Action, @RoomCode, @UserId, @Reason, @OccurredAt, @Message, @ToRoomCode, @OnceKey)
            ON DUPLICATE KEY UPDATE id = id
            """,
            new { entry.SessionCode, entry.ActorId, entry.Action, entry.RoomCode, entry.UserId, entry.Reason, OccurredAt = entry.OccurredAt.UtcDateTime, entry.Message, entry.ToRoomCode, entry.OnceKey },
            cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<FacilitatorActionEntry>> ReadAsync(string sessionCode, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            "SELECT session_code AS SessionCode, actor_id AS ActorId, action AS Action, room_code AS RoomCode, user_id AS UserId, reason AS Reason, occurred_at AS OccurredAt, message AS Message, to_room_code AS ToRoomCode, once_key AS OnceKey FROM facilitator_actions WHERE session_code = @sessionCode ORDER BY id",
            new { sessionCode },
            cancellationToken: cancellationToken));
        return rows.Select(r => new FacilitatorActionEntry(r.SessionCode, r.ActorId, r.Action, r.RoomCode, r.UserId, r.Reason, new DateTimeOffset(DateTime.SpecifyKind(r.OccurredAt, DateTimeKind.Utc)), r.Message, r.ToRoomCode, r.OnceKey)).ToList();
    }

    // Ten columns: past the seven a value tuple maps flat, so a row class.
    private sealed class Row
    {
        public string SessionCode { get; init; } = string.Empty;

        public long ActorId { get; init; }

        public string Action { get; init; } = string.Empty;

        public string? RoomCode { get; init; }

        public long? UserId { get; init; }

        public string? Reason { get; init; }

        public DateTime OccurredAt { get; init; }

        public string? Message { get; init; }

        public string? ToRoomCode { get; init; }

        public string? OnceKey { get; init; }
    }
}
