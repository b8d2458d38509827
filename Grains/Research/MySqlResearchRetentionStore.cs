using Dapper;
using Dilemma.Grains.Interfaces.Research;
using MySqlConnector;

namespace Dilemma.Grains.Research;

/// <summary>Retention on MySQL/MariaDB: due rooms and seats found by the rooms' status index, removed a batch per transaction so locks stay short.</summary>
public sealed class MySqlResearchRetentionStore(MySqlDataSource dataSource) : IResearchRetentionStore
{
    private const int RoomsPerBatch = 200;
    private const int SeatsPerBatch = 500;

    // A room has ended when it finished, or closed before it started (a closed room has no finished_at).
    private const string Ended = "((r.status = 'finished' AND r.finished_at < @before) OR (r.status = 'closed' AND r.created_at < @before))";

    public async Task<RetentionReport> ApplyAsync(DateTime? roomsEndedBefore, DateTime? withoutConsentBefore, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (rooms, roomRows) = roomsEndedBefore is { } before ? await RemoveRoomsAsync(connection, before, cancellationToken) : (0, 0);
        var (seats, seatRows) = withoutConsentBefore is { } seatsBefore ? await RemoveSeatsAsync(connection, seatsBefore, cancellationToken) : (0, 0);
        await RecordAsync(connection, now, roomRows, ErasureKinds.Retention, cancellationToken);
        await RecordAsync(connection, now, seatRows, ErasureKinds.RetentionWithoutConsent, cancellationToken);
        return new RetentionReport(rooms, roomRows, seats, seatRows);
    }

    private static async Task<(long Rooms, long Rows)> RemoveRoomsAsync(MySqlConnection connection, DateTime before, CancellationToken cancellationToken)
    {
        long rooms = 0, rows = 0;
        while (true)
        {
            var codes = (await connection.QueryAsync<string>(new CommandDefinition(
                $"SELECT r.room_code FROM rooms r WHERE {Ended} ORDER BY r.room_code LIMIT {RoomsPerBatch}",
                new { before },
                cancellationToken: cancellationToken))).ToArray();
            if (codes.Length == 0)
            {
                return (rooms, rows);
            }

            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            rows += await connection.ExecuteAsync(new CommandDefinition(
                """
                DELETE FROM withdrawal_codes WHERE room_code IN @codes;
                DELETE FROM recording_events WHERE room_code IN @codes;
                DELETE FROM connection_quality WHERE room_code IN @codes;
                DELETE FROM ai_interactions WHERE room_code IN @codes;
                DELETE FROM room_events WHERE room_code IN @codes;
                DELETE FROM facilitator_actions WHERE room_code IN @codes;
                DELETE FROM round_choices WHERE room_code IN @codes;
                DELETE FROM round_choice_submissions WHERE room_code IN @codes;
                DELETE FROM consensus_choices WHERE room_code IN @codes;
                DELETE FROM room_participants WHERE room_code IN @codes;
                DELETE FROM rooms WHERE room_code IN @codes;
                """,
                new { codes },
                transaction,
                cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            rooms += codes.Length;
        }
    }

    private static async Task<(long Seats, long Rows)> RemoveSeatsAsync(MySqlConnection connection, DateTime before, CancellationToken cancellationToken)
    {
        long seats = 0, rows = 0;
        while (true)
        {
            var due = (await connection.QueryAsync<(string RoomCode, long UserId)>(new CommandDefinition(
                $"""
                SELECT p.room_code, p.user_id FROM room_participants p
                JOIN rooms r ON r.room_code = p.room_code JOIN users u ON u.id = p.user_id
                WHERE u.data_consent = 0 AND u.is_bot = 0 AND {Ended}
                LIMIT {SeatsPerBatch}
                """,
                new { before },
                cancellationToken: cancellationToken))).ToArray();
            if (due.Length == 0)
            {
                return (seats, rows);
            }

            var parameters = due.Select(s => new { roomCode = s.RoomCode, userId = s.UserId }).ToArray();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

            // As a withdrawal: what the seat caused stays with the room, unlinked.
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE consensus_choices SET submitted_by = NULL WHERE room_code = @roomCode AND submitted_by = @userId;
                UPDATE room_events SET actor_id = NULL WHERE room_code = @roomCode AND actor_id = @userId;
                UPDATE connection_quality SET peer_user_id = NULL WHERE room_code = @roomCode AND peer_user_id = @userId;
                DELETE FROM withdrawal_codes WHERE room_code = @roomCode AND user_id = @userId;
                """,
                parameters,
                transaction,
                cancellationToken: cancellationToken));
            rows += await connection.ExecuteAsync(new CommandDefinition(
                """
                DELETE FROM round_choices WHERE room_code = @roomCode AND user_id = @userId;
                DELETE FROM round_choice_submissions WHERE room_code = @roomCode AND user_id = @userId;
                DELETE FROM room_events WHERE room_code = @roomCode AND user_id = @userId;
                DELETE FROM recording_events WHERE room_code = @roomCode AND user_id = @userId;
                DELETE FROM connection_quality WHERE room_code = @roomCode AND user_id = @userId;
                DELETE FROM ai_interactions WHERE room_code = @roomCode AND user_id = @userId;
                DELETE FROM facilitator_actions WHERE room_code = @roomCode AND user_id = @userId;
                DELETE FROM room_participants WHERE room_code = @roomCode AND user_id = @userId;
                """,
                parameters,
                transaction,
                cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            seats += due.Length;
        }
    }

    private static async Task RecordAsync(MySqlConnection connection, DateTime at, long rows, string kind, CancellationToken cancellationToken)
    {
        if (rows > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO research_erasures (erased_at, rows_erased, kind) VALUES (@at, @rows, @kind)",
                new { at, rows, kind },
                cancellationToken: cancellationToken));
        }
    }
}
