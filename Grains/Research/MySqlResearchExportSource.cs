using System.Data;
using System.Runtime.CompilerServices;
using System.Text;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;
using MySqlConnector;

namespace Dilemma.Grains.Research;

/// <summary>
/// The export read on MySQL/MariaDB: one transaction with a consistent snapshot, and in it one query per
/// sheet, each read row by row with an unbuffered reader (MySqlConnector hands rows over as they arrive).
/// Rows are read by ordinal rather than mapped with Dapper: this is the one place where a million rows
/// pass, and a mapper's per-row reflection and boxing would dominate the export.
/// </summary>
public sealed class MySqlResearchExportSource(MySqlDataSource dataSource) : IResearchExportSource
{
    public async Task<IResearchExportSession> OpenAsync(ExportFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            // A slow download paces the query (nothing is buffered in between), so the server may wait long
            // between two writes to this connection; its default of 60 s would cut a slow client off.
            await using (var command = new MySqlCommand("SET SESSION net_write_timeout = 3600", connection))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            // Snapshot: both sheets see the same data however long the download takes.
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.Snapshot, isReadOnly: true, cancellationToken);
            return new Session(connection, transaction, filter);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task RecordExportAsync(ExportLedgerEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new MySqlCommand(
            """
            INSERT INTO research_exports (export_id, requested_by, requested_by_name, format, filter_from, filter_to, filter_topic,
                filter_phase, started_at, completed_at, participant_rows, room_rows, excluded_participants, participants_sha256,
                rooms_sha256, canonical_form)
            VALUES (@exportId, @requestedBy, @requestedByName, @format, @from, @to, @topic, @phase, @startedAt, @completedAt,
                @participantRows, @roomRows, @excluded, @participantsSha256, @roomsSha256, @canonicalForm)
            """,
            connection);
        command.Parameters.AddWithValue("@exportId", entry.ExportId.ToString("D"));
        command.Parameters.AddWithValue("@requestedBy", entry.RequestedBy);
        command.Parameters.AddWithValue("@requestedByName", entry.RequestedByName);
        command.Parameters.AddWithValue("@format", entry.Format);
        command.Parameters.AddWithValue("@from", entry.Filter.From?.UtcDateTime);
        command.Parameters.AddWithValue("@to", entry.Filter.To?.UtcDateTime);
        command.Parameters.AddWithValue("@topic", entry.Filter.Topic);
        command.Parameters.AddWithValue("@phase", entry.Filter.Phase is { } phase ? ExportColumns.PhaseName(phase) : null);
        command.Parameters.AddWithValue("@startedAt", entry.StartedAt);
        command.Parameters.AddWithValue("@completedAt", entry.CompletedAt);
        command.Parameters.AddWithValue("@participantRows", entry.ParticipantRows);
        command.Parameters.AddWithValue("@roomRows", entry.RoomRows);
        command.Parameters.AddWithValue("@excluded", entry.ExcludedParticipants);
        command.Parameters.AddWithValue("@participantsSha256", entry.ParticipantsSha256);
        command.Parameters.AddWithValue("@roomsSha256", entry.RoomsSha256);
        command.Parameters.AddWithValue("@canonicalForm", entry.CanonicalForm);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<ResearchCounts> CountAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);

        // One statement, so every count is of the same moment and the endpoint costs one round trip.
        await using var command = new MySqlCommand(
            """
            SELECT (SELECT COUNT(*) FROM users),
                   (SELECT COUNT(*) FROM users WHERE is_guest = 1),
                   (SELECT COUNT(*) FROM users WHERE data_consent = 1),
                   (SELECT COUNT(*) FROM rooms WHERE status = 'waiting'),
                   (SELECT COUNT(*) FROM rooms WHERE status = 'started'),
                   (SELECT COUNT(*) FROM rooms WHERE status = 'finished'),
                   (SELECT COUNT(*) FROM room_participants WHERE left_at IS NULL),
                   (SELECT COUNT(*) FROM room_participants WHERE left_at IS NOT NULL),
                   (SELECT COUNT(*) FROM round_choices),
                   (SELECT COUNT(*) FROM consensus_choices),
                   (SELECT COUNT(*) FROM recording_events),
                   (SELECT COUNT(*) FROM research_exports)
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ResearchCounts(
            reader.GetInt64(0),
            reader.GetInt64(1),
            reader.GetInt64(2),
            reader.GetInt64(3),
            reader.GetInt64(4),
            reader.GetInt64(5),
            reader.GetInt64(6),
            reader.GetInt64(7),
            reader.GetInt64(8),
            reader.GetInt64(9),
            reader.GetInt64(10),
            reader.GetInt64(11),
            now);
    }

    /// <summary>The WHERE clause on <c>rooms r</c> for a filter; values go in as parameters.</summary>
    private static string Where(ExportFilter filter, MySqlCommand command)
    {
        var conditions = new List<string>();
        if (filter.From is { } from)
        {
            conditions.Add("r.created_at >= @from");
            command.Parameters.AddWithValue("@from", from.UtcDateTime);
        }

        if (filter.To is { } to)
        {
            conditions.Add("r.created_at < @to");
            command.Parameters.AddWithValue("@to", to.UtcDateTime);
        }

        if (filter.Topic is { } topic)
        {
            conditions.Add("r.topic = @topic");
            command.Parameters.AddWithValue("@topic", topic);
        }

        if (filter.Phase is { } phase)
        {
            conditions.Add("r.status = @status");
            command.Parameters.AddWithValue("@status", ExportColumns.PhaseName(phase));
        }

        return conditions.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", conditions);
    }

    private static RoomPhase Phase(string status) => status switch
    {
        RoomStatus.Started => RoomPhase.Started,
        RoomStatus.Finished => RoomPhase.Finished,
        _ => RoomPhase.Waiting,
    };

    private static string ParticipantsSql(string where)
    {
        // Each round's choice and consensus is one eq_ref join on a unique key rather than a GROUP BY
        // pivot: a grouped query must finish before it sends its first row, these joins stream. Rooms lead
        // the join (STRAIGHT_JOIN) so rows leave in the rooms index's order and the ORDER BY costs no sort.
        // Rows without data consent join none of their decisions and carry no name, so what was not
        // consented to never leaves the database.
        var columns = new StringBuilder();
        var joins = new StringBuilder();
        for (var round = 1; round <= RoomRules.Rounds; round++)
        {
            columns.Append(System.Globalization.CultureInfo.InvariantCulture, $", c{round}.choice, c{round}.confidence, k{round}.choice, k{round}.confidence");
            joins.Append(System.Globalization.CultureInfo.InvariantCulture, $"""

                LEFT JOIN round_choices c{round} ON u.data_consent = 1 AND c{round}.room_code = p.room_code AND c{round}.round_number = {round} AND c{round}.user_id = p.user_id
                LEFT JOIN consensus_choices k{round} ON u.data_consent = 1 AND k{round}.room_code = r.room_code AND k{round}.round_number = {round}
                """);
        }

        return $"""
            SELECT p.room_code, u.data_consent, p.user_id, u.is_guest, u.voice_consent, IF(u.data_consent = 1, u.username, NULL),
                   r.topic, r.status, p.role_id, IF(u.data_consent = 1, p.nickname, NULL), p.joined_at{columns}
            FROM rooms r
            STRAIGHT_JOIN room_participants p ON p.room_code = r.room_code AND p.left_at IS NULL
            STRAIGHT_JOIN users u ON u.id = p.user_id{joins}
            {where}
            ORDER BY r.created_at, r.room_code
            """;
    }

    private static string RoomsSql(string where) => $"""
        SELECT r.room_code, r.topic, r.scenario_id, r.is_public, r.status, r.created_at, r.started_at, r.finished_at,
               (SELECT COUNT(*) FROM consensus_choices k WHERE k.room_code = r.room_code),
               (SELECT COUNT(*) FROM room_participants p WHERE p.room_code = r.room_code AND p.left_at IS NULL),
               (SELECT COUNT(*) FROM room_participants p JOIN users u ON u.id = p.user_id
                WHERE p.room_code = r.room_code AND p.left_at IS NULL AND u.data_consent = 1)
        FROM rooms r
        {where}
        ORDER BY r.created_at, r.room_code
        """;

    // IsDBNull does no I/O here: without CommandBehavior.SequentialAccess, ReadAsync has already received
    // the whole row, so the analyzer's "use IsDBNullAsync" would only add a state machine per cell.
#pragma warning disable CA1849
    private sealed class Session(MySqlConnection connection, MySqlTransaction transaction, ExportFilter filter) : IResearchExportSession
    {
        private const int AnswerColumns = 11;

        public async IAsyncEnumerable<SourceParticipant> ReadParticipantsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await using var command = CreateCommand();
            command.CommandText = ParticipantsSql(Where(filter, command));
            await foreach (var reader in ReadAsync(command, cancellationToken))
            {
                var roomCode = reader.GetString(0);
                if (!reader.GetBoolean(1))
                {
                    yield return new SourceParticipant(roomCode, null);
                    continue;
                }

                var answers = new byte[RoomRules.Rounds * 4];
                for (var i = 0; i < answers.Length; i++)
                {
                    answers[i] = reader.IsDBNull(AnswerColumns + i) ? ExportValue.NoAnswer : (byte)reader.GetInt32(AnswerColumns + i);
                }

                yield return new SourceParticipant(roomCode, new ParticipantExportRow(
                    reader.GetInt64(2),
                    reader.IsDBNull(5) ? null : ExportValue.Clean(reader.GetString(5)),
                    reader.GetBoolean(3),
                    reader.GetBoolean(4),
                    roomCode,
                    ExportValue.Clean(reader.GetString(6)),
                    Phase(reader.GetString(7)),
                    reader.IsDBNull(8) ? null : reader.GetInt32(8),
                    ExportValue.Clean(reader.GetString(9)),
                    ExportValue.ToExportTime(reader.GetDateTime(10)),
                    answers));
            }
        }

        public async IAsyncEnumerable<RoomExportRow> ReadRoomsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await using var command = CreateCommand();
            command.CommandText = RoomsSql(Where(filter, command));
            await foreach (var reader in ReadAsync(command, cancellationToken))
            {
                yield return new RoomExportRow(
                    reader.GetString(0),
                    ExportValue.Clean(reader.GetString(1)),
                    reader.IsDBNull(2) ? null : ExportValue.Clean(reader.GetString(2)),
                    reader.GetBoolean(3),
                    Phase(reader.GetString(4)),
                    ExportValue.ToExportTime(reader.GetDateTime(5)),
                    reader.IsDBNull(6) ? null : ExportValue.ToExportTime(reader.GetDateTime(6)),
                    reader.IsDBNull(7) ? null : ExportValue.ToExportTime(reader.GetDateTime(7)),
                    (int)reader.GetInt64(8),
                    (int)reader.GetInt64(9),
                    (int)reader.GetInt64(10));
            }
        }

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }

        private static async IAsyncEnumerable<MySqlDataReader> ReadAsync(MySqlCommand command, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken);
            var finished = false;
            try
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    yield return reader;
                }

                finished = true;
            }
            finally
            {
                if (!finished)
                {
                    // The consumer stopped early (a client went away). Disposing the reader would read the
                    // rest of the result to clear the connection, so the query is killed first and the
                    // server stops producing rows.
                    command.Cancel();
                }

                await reader.DisposeAsync();
            }
        }

        private MySqlCommand CreateCommand() => new()
        {
            Connection = connection,
            Transaction = transaction,

            // No timeout: the reader is paced by the download, and cancellation ends it when the client goes.
            CommandTimeout = 0,
        };
    }
#pragma warning restore CA1849
}
