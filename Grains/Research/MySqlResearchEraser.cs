using Dapper;
using Dilemma.Grains.Accounts;
using MySqlConnector;

namespace Dilemma.Grains.Research;

/// <summary>Withdrawal on MySQL/MariaDB: the check, the deletes and the ledger row in one transaction, each by a user index.</summary>
public sealed class MySqlResearchEraser(MySqlDataSource dataSource) : IResearchEraser
{
    public async Task<ErasureScope> ScopeAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ScopeAsync(connection, null, userId, cancellationToken);
    }

    public async Task<ErasureOutcome> EraseAsync(long userId, string kind, DateTime at, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (playing, rooms) = await ScopeAsync(connection, transaction, userId, cancellationToken);
        if (playing)
        {
            return new ErasureOutcome(InGame: true, 0, []);
        }

        // Consensus rows and events the user caused belong to the room (and to the others in it), and others' reports of
        // their link to the user are the reporters' data: they lose the link only.
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE consensus_choices SET submitted_by = NULL WHERE submitted_by = @userId;
            UPDATE room_events SET actor_id = NULL WHERE actor_id = @userId;
            UPDATE connection_quality SET peer_user_id = NULL WHERE peer_user_id = @userId;
            DELETE FROM withdrawal_codes WHERE user_id = @userId;
            """,
            new { userId },
            transaction,
            cancellationToken: cancellationToken));

        // Facilitator actions go by user_id, whom they are about (with the reason given), never by actor_id: a
        // withdrawing facilitator's own actions are the session's audit of staff at work, not research data about a
        // participant, and the participants they were about keep their own right to have them erased.
        var rows = await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM round_choices WHERE user_id = @userId;
            DELETE FROM round_choice_submissions WHERE user_id = @userId;
            DELETE FROM room_events WHERE user_id = @userId;
            DELETE FROM recording_events WHERE user_id = @userId;
            DELETE FROM connection_quality WHERE user_id = @userId;
            DELETE FROM ai_interactions WHERE user_id = @userId;
            DELETE FROM facilitator_actions WHERE user_id = @userId;
            DELETE FROM room_participants WHERE user_id = @userId;
            """,
            new { userId },
            transaction,
            cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO research_erasures (erased_at, rows_erased, kind) VALUES (@at, @rows, @kind)",
            new { at, rows = (long)rows, kind },
            transaction,
            cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return new ErasureOutcome(InGame: false, rows, rooms);
    }

    private static async Task<ErasureScope> ScopeAsync(MySqlConnection connection, MySqlTransaction? transaction, long userId, CancellationToken cancellationToken)
    {
        var playing = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            SELECT COUNT(*) FROM room_participants p JOIN rooms r ON r.room_code = p.room_code
            WHERE p.user_id = @userId AND (r.status = 'started' OR (r.status = 'waiting' AND p.left_at IS NULL))
            """,
            new { userId },
            transaction,
            cancellationToken: cancellationToken));
        if (playing > 0)
        {
            return new ErasureScope(InGame: true, []);
        }

        var rooms = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT room_code FROM room_participants WHERE user_id = @userId",
            new { userId },
            transaction,
            cancellationToken: cancellationToken));
        return new ErasureScope(InGame: false, rooms.AsList());
    }

    public async Task<long?> FindWithdrawalCodeAsync(byte[] codeSha256, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT user_id FROM withdrawal_codes WHERE code_sha256 = @codeSha256",
            new { codeSha256 },
            cancellationToken: cancellationToken));
    }
}
