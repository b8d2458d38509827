using System.Data;
using System.Globalization;
using System.Runtime.CompilerServices;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;
using MySqlConnector;

namespace Dilemma.Grains.Research;

/// <summary>
/// The export read on MySQL/MariaDB: one transaction with a consistent snapshot, and in it one query per
/// sheet (the long-format sheets one per batch of rooms, <see cref="MySqlSheetContext.QueryByRoomBatchAsync"/>), each
/// read row by row with an unbuffered reader (MySqlConnector hands rows over as they arrive).
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

    public async Task<(DateTime Oldest, DateTime Newest)?> NewestRoomsCreatedAsync(int rooms, CancellationToken cancellationToken)
    {
        // The last entries of ix_rooms_created, read backwards.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new MySqlCommand(
            "SELECT MIN(created_at), MAX(created_at) FROM (SELECT created_at FROM rooms ORDER BY created_at DESC LIMIT @rooms) newest",
            connection);
        command.Parameters.AddWithValue("@rooms", rooms);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) && !await reader.IsDBNullAsync(0, cancellationToken)
            ? (DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc), DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc))
            : null;
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
            conditions.Add(MySqlTopic.Matches("r.topic"));
            command.Parameters.AddWithValue("@topic", topic);
        }

        if (filter.SessionCode is { } session)
        {
            conditions.Add("r.session_code = @session");
            command.Parameters.AddWithValue("@session", session);
        }

        if (filter.StudyLabel is { } study)
        {
            conditions.Add("r.study_label = @study");
            command.Parameters.AddWithValue("@study", study);
        }

        if (filter.Phase is { } phase)
        {
            // A room closed before it started is exported as waiting (as the in-memory source does).
            conditions.Add(phase == RoomPhase.Waiting ? "r.status IN ('waiting', 'closed')" : "r.status = @status");
            command.Parameters.AddWithValue("@status", RoomPhases.Word(phase));
        }

        return conditions.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", conditions);
    }

    // A closed room (closed before it started) is exported as waiting.
    private static RoomPhase Phase(string status) => RoomPhases.TryParse(status, out var phase) ? phase : RoomPhase.Waiting;

    // A seat's five choices, and a room's five consensus rows, each packed into one integer by one correlated
    // subquery: six bits per round at bit 6 x round, holding (choice + 1) x 8 + confidence, 0 for none. Both
    // subqueries read only the covering indexes ix_round_choices_export and ix_consensus_choices_export (one
    // index descent per seat and per room, where one join per round costs five), and MariaDB's subquery cache
    // runs the room's once for all its seats. There is no GROUP BY and no derived table: a grouped pivot must
    // finish before it sends its first row, while this join streams in the order of the rooms' primary key.
    // Rows go by room code rather than creation time on purpose: every index the join reads (rooms, seats,
    // both covering indexes) leads with the room code, so the read walks each of them in order. At a million
    // participants that took the server 8.6 CPU-seconds against 14 in creation order with a warm 2 GB buffer
    // pool, and 11 against 40 with a 256 MB pool that the data did not fit.
    private const string PackedChoices =
        "SELECT CAST(BIT_OR(((c.choice + 1) * 8 + c.confidence) << (6 * c.round_number)) AS SIGNED) FROM round_choices c " +
        "WHERE c.room_code = p.room_code AND c.user_id = p.user_id";

    private const string PackedConsensus =
        "SELECT CAST(BIT_OR(((k.choice + 1) * 8 + k.confidence) << (6 * k.round_number)) AS SIGNED) FROM consensus_choices k " +
        "WHERE k.room_code = r.room_code";

    // Seats without data consent get no choices, no consensus and no name, so what they did not consent to never leaves
    // the database. A bot's seat is
    // exported (no person stands behind it) and marked is_bot, and not is_guest: its account row is a guest's, and a
    // study counting its guests by is_guest would count the bots among the people.
    private const string Exported = MySqlSheetContext.Exported;

    // The grant covering a seat, by the rule ConsentAtSeat states: the user's row holds only the latest grant, which for a seat
    // taken before it (an earlier session, before the participant consented again under a newer text) is read from the history,
    // as "version|recorded_at" (CoveredBy reads it), and NULL when the grant held now covers the seat. Most seats were taken under
    // the grant held now and cost no subquery: IF evaluates only the branch it takes. Rows are compared by id, which grows with
    // recorded_at, so ix_consent_records_user answers each with one short range. Version and time come from one pair of
    // subqueries: as two columns they took six, which at 100,000 participants with a consent history was half of the query.
    private static string CoveringConsent(string kind)
    {
        const string Held = "CONCAT(c.version, '|', c.recorded_at)";
        return $"IF(u.{kind}_consent_at IS NULL OR u.{kind}_consent_at <= p.joined_at, NULL, COALESCE(" +
            $"(SELECT IF(c.decision = 'granted', {Held}, NULL) FROM consent_records c " +
            $"WHERE c.user_id = p.user_id AND c.kind = '{kind}' AND c.recorded_at <= p.joined_at ORDER BY c.id DESC LIMIT 1), " +
            $"(SELECT {Held} FROM consent_records c " +
            $"WHERE c.user_id = p.user_id AND c.kind = '{kind}' AND c.decision = 'granted' AND c.recorded_at > p.joined_at ORDER BY c.id LIMIT 1)))";
    }

    private static string ParticipantsSql(string where) => $"""
        SELECT p.room_code, {Exported}, p.user_id, (u.is_guest = 1 AND u.is_bot = 0), u.voice_consent, IF({Exported}, u.username, NULL),
               r.topic, r.status, p.role_id, IF({Exported}, p.nickname, NULL), p.joined_at,
               IF({Exported}, ({PackedChoices}), NULL), IF({Exported}, ({PackedConsensus}), NULL),
               IF({Exported}, u.data_consent_version, NULL), IF({Exported}, u.data_consent_at, NULL),
               IF({Exported} AND u.voice_consent = 1, u.voice_consent_version, NULL),
               IF({Exported} AND u.voice_consent = 1, u.voice_consent_at, NULL),
               u.is_bot,
               IF({Exported}, 0, u.data_consent_at IS NOT NULL OR EXISTS (
                   SELECT 1 FROM consent_records c WHERE c.user_id = p.user_id AND c.kind = 'data' AND c.decision = 'withdrawn')),
               IF({Exported}, {CoveringConsent("data")}, NULL),
               IF({Exported} AND u.voice_consent = 1, {CoveringConsent("voice")}, NULL)
        FROM rooms r
        STRAIGHT_JOIN room_participants p ON p.room_code = r.room_code AND p.left_at IS NULL
        STRAIGHT_JOIN users u ON u.id = p.user_id
        {where}
        ORDER BY r.room_code
        """;

    // Rounds completed are counted here, one descent of ix_consensus_choices_export per room, rather than learnt from the
    // room's seats: a room whose every seat was erased by withdrawals keeps its consensus rows, and counts them.
    private static string RoomsSql(string where) => $"""
        SELECT r.room_code, r.topic, r.scenario_id, r.is_public, r.status, r.created_at, r.started_at, r.finished_at,
               CAST((SELECT COUNT(*) FROM consensus_choices k WHERE k.room_code = r.room_code) AS SIGNED), r.session_code, r.study_label,
               r.scenario_sha256
        FROM rooms r
        {where}
        ORDER BY r.room_code
        """;

    // IsDBNull does no I/O here: without CommandBehavior.SequentialAccess, ReadAsync has already received
    // the whole row, so the analyzer's "use IsDBNullAsync" would only add a state machine per cell.
#pragma warning disable CA1849
    private sealed class Session(MySqlConnection connection, MySqlTransaction transaction, ExportFilter filter) : IResearchExportSession
    {
        // Rows repeat their room's code and a few topics and scenario ids. Handing the serializer one instance
        // per value lets it send a back-reference instead of the text again, and the gateway then holds one
        // string instead of one per row; the same instance is also cleaned of XML-invalid characters only once.
        private readonly StringPool _strings = new();

        // Every RoomsPerBatch-th room's code, marked as the rooms are read, where the long-format sheets' batched queries begin.
        private readonly List<string> _roomBatchStarts = [];

        public IAsyncEnumerable<TRow> ReadSheetAsync<TRow>(ResearchSheet<TRow> sheet, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(sheet);
            return sheet.ReadAsync(new MySqlSheetContext(CreateCommand, command => Where(filter, command), _strings, _roomBatchStarts), cancellationToken);
        }

        public async Task<ErasureTotals> ReadErasureTotalsAsync(CancellationToken cancellationToken)
        {
            await using var command = CreateCommand();
            command.CommandText = "SELECT COUNT(*), COALESCE(SUM(rows_erased), 0) FROM research_erasures";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new ErasureTotals(reader.GetInt64(0), Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
        }

        public async Task<string?> ReadSessionStudyAsync(CancellationToken cancellationToken)
        {
            if (filter.SessionCode is not { } session)
            {
                return null;
            }

            await using var command = CreateCommand();
            command.CommandText = "SELECT study_label FROM rooms WHERE session_code = @session AND study_label IS NOT NULL LIMIT 1";
            command.Parameters.AddWithValue("@session", session);
            return await command.ExecuteScalarAsync(cancellationToken) as string;
        }

        public async IAsyncEnumerable<SourceParticipant> ReadParticipantsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await using var command = CreateCommand();
            command.CommandText = ParticipantsSql(Where(filter, command));
            string? roomCode = null;
            await foreach (var reader in MySqlSheetContext.ReadAsync(command, cancellationToken))
            {
                var code = reader.GetString(0);
                roomCode = roomCode is not null && string.Equals(code, roomCode, StringComparison.Ordinal) ? roomCode : code;
                if (!reader.GetBoolean(1))
                {
                    yield return new SourceParticipant(roomCode, null, reader.GetBoolean(18));
                    continue;
                }

                var consensus = reader.IsDBNull(12) ? 0 : reader.GetInt64(12);
                var choices = reader.IsDBNull(11) ? 0 : reader.GetInt64(11);
                var (dataVersion, dataAt) = CoveredBy(reader, 19, 13);
                var (voiceVersion, voiceAt) = CoveredBy(reader, 20, 15);
                var answers = new byte[RoomRules.Rounds * 4];
                for (var round = 1; round <= RoomRules.Rounds; round++)
                {
                    var offset = (round - 1) * 4;
                    (answers[offset], answers[offset + 1]) = Answer(Unpack(choices, round));
                    (answers[offset + 2], answers[offset + 3]) = Answer(Unpack(consensus, round));
                }

                yield return new SourceParticipant(roomCode, new ParticipantExportRow(
                    reader.GetInt64(2),
                    reader.IsDBNull(5) ? null : ExportValue.Clean(reader.GetString(5)),
                    reader.GetBoolean(3),
                    reader.GetBoolean(4),
                    roomCode,
                    _strings.Clean(reader.GetString(6)),
                    Phase(reader.GetString(7)),
                    reader.IsDBNull(8) ? null : reader.GetInt32(8),
                    ExportValue.Clean(reader.GetString(9)),
                    ExportValue.ToExportTime(reader.GetDateTime(10)),
                    answers,
                    dataVersion is null ? null : _strings.Clean(dataVersion),
                    dataAt is { } grantedAt ? ExportValue.ToExportTime(grantedAt) : null,
                    voiceVersion is null ? null : _strings.Clean(voiceVersion),
                    voiceAt is { } voiceGrantedAt ? ExportValue.ToExportTime(voiceGrantedAt) : null,
                    reader.GetBoolean(17)));
            }
        }

        public async IAsyncEnumerable<RoomExportRow> ReadRoomsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await using var command = CreateCommand();
            command.CommandText = RoomsSql(Where(filter, command));
            _roomBatchStarts.Clear();
            var rooms = 0;
            await foreach (var reader in MySqlSheetContext.ReadAsync(command, cancellationToken))
            {
                var code = reader.GetString(0);
                if (rooms > 0 && rooms % MySqlSheetContext.RoomsPerBatch == 0)
                {
                    _roomBatchStarts.Add(code);
                }

                rooms++;
                yield return new RoomExportRow(
                    code,
                    _strings.Clean(reader.GetString(1)),
                    reader.IsDBNull(2) ? null : _strings.Clean(reader.GetString(2)),
                    reader.GetBoolean(3),
                    Phase(reader.GetString(4)),
                    ExportValue.ToExportTime(reader.GetDateTime(5)),
                    reader.IsDBNull(6) ? null : ExportValue.ToExportTime(reader.GetDateTime(6)),
                    reader.IsDBNull(7) ? null : ExportValue.ToExportTime(reader.GetDateTime(7)),
                    reader.GetInt32(8),
                    0,
                    0,
                    reader.IsDBNull(9) ? null : _strings.Clean(reader.GetString(9)),
                    reader.IsDBNull(10) ? null : _strings.Clean(reader.GetString(10)),
                    reader.IsDBNull(11) ? null : _strings.Clean(reader.GetString(11)));
            }
        }

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }

        /// <summary>
        /// The consent covering the seat: the grant from the history (<paramref name="covering"/>, "version|recorded_at") when
        /// the grant held now came after the seat, else the user's row (<paramref name="current"/> and the column after it).
        /// </summary>
        private static (string? Version, DateTime? At) CoveredBy(MySqlDataReader reader, int covering, int current)
        {
            if (!reader.IsDBNull(covering))
            {
                var held = reader.GetString(covering);
                var bar = held.LastIndexOf('|');
                return (held[..bar], DateTime.ParseExact(held[(bar + 1)..], "yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture));
            }

            return (reader.IsDBNull(current) ? null : reader.GetString(current), reader.IsDBNull(current + 1) ? null : reader.GetDateTime(current + 1));
        }

        private static int Unpack(long packed, int round) => (int)((packed >> (6 * round)) & 0x3F);

        private static (byte Choice, byte Confidence) Answer(int packed) =>
            packed == 0 ? (ExportValue.NoAnswer, ExportValue.NoAnswer) : ((byte)((packed >> 3) - 1), (byte)(packed & 0x7));

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
