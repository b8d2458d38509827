using Dapper;
using Dilemma.Grains.Interfaces.Sessions;
using MySqlConnector;

namespace Dilemma.Grains.Sessions;

/// <summary>The audit in <c>facilitator_actions</c> (migration 2026120360).</summary>
public sealed class MySqlFacilitatorActionStore(MySqlDataSource dataSource) : IFacilitatorActionStore
{
    public async Task RecordAsync(FacilitatorActionEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO facilitator_actions (session_code, actor_id, action, room_code, user_id, reason, occurred_at)
            VALUES (@SessionCode, @ActorId, @Action, @RoomCode, @UserId, @Reason, @OccurredAt)
            """,
            new { entry.SessionCode, entry.ActorId, entry.Action, entry.RoomCode, entry.UserId, entry.Reason, OccurredAt = entry.OccurredAt.UtcDateTime },
            cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<FacilitatorActionEntry>> ReadAsync(string sessionCode, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string SessionCode, long ActorId, string Action, string? RoomCode, long? UserId, string? Reason, DateTime OccurredAt)>(new CommandDefinition(
            "SELECT session_code, actor_id, action, room_code, user_id, reason, occurred_at FROM facilitator_actions WHERE session_code = @sessionCode ORDER BY id",
            new { sessionCode },
            cancellationToken: cancellationToken));
        return rows.Select(r => new FacilitatorActionEntry(r.SessionCode, r.ActorId, r.Action, r.RoomCode, r.UserId, r.Reason, new DateTimeOffset(DateTime.SpecifyKind(r.OccurredAt, DateTimeKind.Utc)))).ToList();
    }
}
