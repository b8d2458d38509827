using System.Collections.Concurrent;
using Dapper;
using Dilemma.Grains.Storage;
using MySqlConnector;

namespace Dilemma.Grains.Research;

/// <summary>
/// The research tables on MySQL/MariaDB. Choices and consensus, the writes every game makes by the hundred, go
/// through the silo's <see cref="MySqlGroupCommit"/>; the rest are statements of their own.
/// </summary>
public sealed class MySqlResearchStore(MySqlDataSource dataSource, MySqlGroupCommit groupCommit) : IResearchStore
{
    // Every room of a bank scenario plays one of a few texts, and a stored text is never deleted: each is written once per
    // process, not once per room, which would carry tens of KB to the database with every room created. Bounded, for
    // the generated scenarios, each a text of its own.
    private const int RememberedTexts = 4096;

    private readonly ConcurrentDictionary<string, byte> _recordedTexts = new(StringComparer.Ordinal);

    public async Task<bool> TryRecordRoomAsync(RoomRecord room, CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteAsync(
                """
                INSERT INTO rooms (room_code, title, topic, is_public, host_user_id, status, current_round, scenario_id, created_at, session_code, study_label, scenario_sha256)
                VALUES (@RoomCode, @Title, @Topic, @IsPublic, @HostUserId, 'waiting', 0, @ScenarioId, @CreatedAt, @SessionCode, @StudyLabel, @ScenarioSha256)
                """,
                room,
                cancellationToken);
            return true;
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
        {
            // Left by this host's own unfinished creation (a retry under the same Idempotency-Key comes
            // back to the same code): take it over, else that row would stay listed with no room behind it.
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var matched = await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE rooms SET title = @Title, topic = @Topic, is_public = @IsPublic, scenario_id = @ScenarioId, created_at = @CreatedAt,
                    session_code = @SessionCode, study_label = @StudyLabel, scenario_sha256 = @ScenarioSha256
                WHERE room_code = @RoomCode AND host_user_id = @HostUserId AND status = 'waiting'
                """,
                room,
                cancellationToken: cancellationToken));
            return matched == 1;
        }
    }

    public async Task RecordScenarioTextAsync(ScenarioText text, DateTime recordedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_recordedTexts.ContainsKey(text.Sha256))
        {
            return;
        }

        // Not INSERT IGNORE, which would also turn a value that does not fit into a warning: only the same hash is let be.
        await ExecuteAsync(
            """
            INSERT INTO scenario_texts (text_sha256, scenario_id, scenario_json, recorded_at)
            VALUES (@Sha256, @ScenarioId, @Json, @recordedAt)
            ON DUPLICATE KEY UPDATE text_sha256 = text_sha256
            """,
            new { text.Sha256, text.ScenarioId, text.Json, recordedAt },
            cancellationToken);
        if (_recordedTexts.Count >= RememberedTexts)
        {
            _recordedTexts.Clear();
        }

        _recordedTexts.TryAdd(text.Sha256, 0);
    }

    public Task RecordRoomProgressAsync(RoomProgress progress, CancellationToken cancellationToken) =>
        ExecuteAsync(
            """
            UPDATE rooms SET status = @Status, current_round = @CurrentRound, host_user_id = @HostUserId,
                started_at = @StartedAt, finished_at = @FinishedAt
            WHERE room_code = @RoomCode
            """,
            progress,
            cancellationToken);

    public Task RecordParticipantAsync(string roomCode, long userId, string nickname, DateTime joinedAt, CancellationToken cancellationToken) =>
        ExecuteAsync(
            """
            INSERT INTO room_participants (room_code, user_id, nickname, joined_at)
            VALUES (@roomCode, @userId, @nickname, @joinedAt)
            ON DUPLICATE KEY UPDATE nickname = VALUES(nickname), left_at = NULL, role_id = NULL
            """,
            new { roomCode, userId, nickname, joinedAt },
            cancellationToken);

    public Task RecordLeaveAsync(string roomCode, long userId, DateTime leftAt, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "UPDATE room_participants SET left_at = @leftAt, role_id = NULL WHERE room_code = @roomCode AND user_id = @userId",
            new { roomCode, userId, leftAt },
            cancellationToken);

    public async Task<bool> CloseUncreatedRoomAsync(string roomCode, DateTime createdBefore, DateTime closedAt, CancellationToken cancellationToken)
    {
        // Both or neither: a closed room whose seats stayed open, or the reverse, would not say how it ended.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var parameters = new { roomCode, createdBefore, closedAt };
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE room_participants p JOIN rooms r ON r.room_code = p.room_code
            SET p.left_at = @closedAt, p.role_id = NULL
            WHERE r.room_code = @roomCode AND r.status = 'waiting' AND r.created_at < @createdBefore AND p.left_at IS NULL
            """,
            parameters,
            transaction,
            cancellationToken: cancellationToken));
        var closed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE rooms SET status = 'closed' WHERE room_code = @roomCode AND status = 'waiting' AND created_at < @createdBefore",
            parameters,
            transaction,
            cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return closed == 1;
    }

    public Task ReleaseUnseatedAsync(string roomCode, IReadOnlyCollection<long> seated, DateTime joinedBefore, DateTime leftAt, CancellationToken cancellationToken) =>
        ExecuteAsync(
            """
            UPDATE room_participants p JOIN rooms r ON r.room_code = p.room_code
            SET p.left_at = @leftAt, p.role_id = NULL
            WHERE r.room_code = @roomCode AND r.status = 'waiting' AND p.left_at IS NULL AND p.joined_at < @joinedBefore
              AND p.user_id NOT IN @seated
            """,
            new { roomCode, seated, joinedBefore, leftAt },
            cancellationToken);

    public async Task RecordRolesAsync(string roomCode, IReadOnlyList<(long UserId, int RoleId)> roles, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE room_participants SET role_id = NULL WHERE room_code = @roomCode",
            new { roomCode },
            transaction,
            cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE room_participants SET role_id = @RoleId WHERE room_code = @RoomCode AND user_id = @UserId",
            roles.Select(r => new { RoomCode = roomCode, r.UserId, r.RoleId }).ToArray(),
            transaction,
            cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<RecordedBot>> ReadBotsAsync(string roomCode, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<BotRow>(new CommandDefinition(
            """
            SELECT p.user_id AS UserId, p.nickname AS Nickname, p.role_id AS RoleId, p.joined_at AS JoinedAt
            FROM room_participants p JOIN users u ON u.id = p.user_id
            WHERE p.room_code = @roomCode AND p.left_at IS NULL AND u.is_bot = 1
            ORDER BY p.joined_at, p.id
            """,
            new { roomCode },
            cancellationToken: cancellationToken));
        return rows.Select(r => new RecordedBot(r.UserId, r.Nickname, r.RoleId, DateTime.SpecifyKind(r.JoinedAt, DateTimeKind.Utc))).ToList();
    }

    public Task RecordChoiceAsync(ChoiceRecord choice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(choice);
        KeyValuePair<string, object?>[] parameters =
        [
            new("@RoomCode", choice.RoomCode), new("@UserId", choice.UserId), new("@RoundNumber", choice.RoundNumber),
            new("@Choice", choice.Choice), new("@Confidence", choice.Confidence), new("@Revision", choice.Revision),
            new("@SubmissionId", choice.SubmissionId), new("@At", choice.At), new("@IsBot", choice.IsBot), new("@BotReason", choice.BotReason),
            new("@Language", choice.Language),
        ];
        var upsert = new GroupedStatement(
            """
            INSERT INTO round_choices (room_code, user_id, round_number, choice, confidence, revision, submission_id, created_at, updated_at, is_bot, bot_reason, language)
            VALUES (@RoomCode, @UserId, @RoundNumber, @Choice, @Confidence, @Revision, @SubmissionId, @At, @At, @IsBot, @BotReason, @Language)
            ON DUPLICATE KEY UPDATE choice = VALUES(choice), confidence = VALUES(confidence), revision = VALUES(revision),
                submission_id = VALUES(submission_id), updated_at = VALUES(updated_at), language = VALUES(language)
            """,
            parameters);

        // The submission's history row commits with the last value: an acknowledged choice is in both. Keyed by the
        // revision, so a retried write of the same revision overwrites its row with the values it now carries. A
        // row statement: the batch's history rows travel as one INSERT.
        var submission = GroupedStatement.InsertRow(
            "INSERT INTO round_choice_submissions (room_code, user_id, round_number, revision, choice, confidence, submission_id, submitted_at, is_bot, bot_reason, language)",
            [choice.RoomCode, choice.UserId, choice.RoundNumber, choice.Revision, choice.Choice, choice.Confidence, choice.SubmissionId, choice.At, choice.IsBot, choice.BotReason, choice.Language],
            """
            ON DUPLICATE KEY UPDATE choice = VALUES(choice), confidence = VALUES(confidence), submission_id = VALUES(submission_id),
                submitted_at = VALUES(submitted_at), is_bot = VALUES(is_bot), bot_reason = VALUES(bot_reason), language = VALUES(language)
            """);

        // A revision updates its row in place. The upsert would first insert a new row into the primary key,
        // meet the unique key, undo the insert and then update: several times the work, on the busiest write
        // there is. It stays as the path of a first choice (and of a revision whose row is missing), where a
        // retry must not add a second row.
        var write = choice.Revision > 1
            ? new GroupedWrite(
                [
                    new GroupedStatement(
                        """
                        UPDATE round_choices SET choice = @Choice, confidence = @Confidence, revision = @Revision,
                            submission_id = @SubmissionId, updated_at = @At, language = @Language
                        WHERE room_code = @RoomCode AND round_number = @RoundNumber AND user_id = @UserId
                        """,
                        parameters),
                    submission,
                ],
                ifFirstFindsNoRow: upsert)
            : new GroupedWrite([upsert, submission]);
        return groupCommit.CommitAsync(write, cancellationToken);
    }

    public async Task<IReadOnlyList<ChoiceRecord>> ReadChoicesAsync(string roomCode, int roundNumber, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new MySqlCommand(
            """
            SELECT user_id, choice, confidence, revision, submission_id, updated_at
            FROM round_choices
            WHERE room_code = @roomCode AND round_number = @roundNumber
            """,
            connection);
        command.Parameters.AddWithValue("@roomCode", roomCode);
        command.Parameters.AddWithValue("@roundNumber", roundNumber);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var choices = new List<ChoiceRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var submissionId = await reader.IsDBNullAsync(4, cancellationToken) ? null : reader.GetString(4);
            choices.Add(new ChoiceRecord(
                roomCode,
                reader.GetInt64(0),
                roundNumber,
                reader.GetInt32(1),
                reader.GetInt32(2),
                reader.GetInt32(3),
                submissionId,
                DateTime.SpecifyKind(reader.GetDateTime(5), DateTimeKind.Utc)));
        }

        return choices;
    }

    public Task RecordConsensusAsync(ConsensusRecord consensus, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(consensus);
        var insert = new GroupedStatement(
            """
            INSERT INTO consensus_choices (room_code, round_number, choice, confidence, submitted_by, submission_id, created_at, language)
            VALUES (@RoomCode, @RoundNumber, @Choice, @Confidence, @SubmittedBy, @SubmissionId, @At, @Language)
            ON DUPLICATE KEY UPDATE id = id
            """,
            [
                new("@RoomCode", consensus.RoomCode), new("@RoundNumber", consensus.RoundNumber), new("@Choice", consensus.Choice),
                new("@Confidence", consensus.Confidence), new("@SubmittedBy", consensus.SubmittedBy),
                new("@SubmissionId", consensus.SubmissionId), new("@At", consensus.At), new("@Language", consensus.Language),
            ]);
        return groupCommit.CommitAsync(new GroupedWrite([insert]), cancellationToken);
    }

    public async Task<RoomActivationEvents> ReadActivationEventsAsync(string roomCode, CancellationToken cancellationToken)
    {
        // A room's rows are a few dozen, found by the index led by room_code; "last" is by id, the order they were written in.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<(string Type, long? UserId, long? ActorId, int? RoundNumber, int? Occurrence, DateTime At)>(new CommandDefinition(
            """
            SELECT e.event_type, e.user_id, e.actor_id, e.round_number, e.occurrence, e.occurred_at
            FROM room_events e
            WHERE e.room_code = @roomCode
              AND (e.event_type = @endedEarly
                   OR (e.event_type = @reconnecting AND e.user_id IS NOT NULL
                       AND NOT EXISTS (
                           SELECT 1 FROM room_events later
                           WHERE later.room_code = e.room_code AND later.user_id = e.user_id AND later.id > e.id
                             AND later.event_type IN (@reconnecting, @returned, @dropped))))
            """,
            new { roomCode, endedEarly = RoomEventType.EndedEarly, reconnecting = RoomEventType.Reconnecting, returned = RoomEventType.Returned, dropped = RoomEventType.Dropped },
            cancellationToken: cancellationToken))).ToList();

        // One early end at most: once_key keeps a room's early end once.
        var endedEarly = rows.Where(r => r.Type == RoomEventType.EndedEarly)
            .Select(r => new RoomEventRecord(roomCode, RoomEventType.EndedEarly, UserId: null, r.RoundNumber, r.ActorId, IsBot: false, DateTime.SpecifyKind(r.At, DateTimeKind.Utc)))
            .FirstOrDefault();
        var reconnecting = rows.Where(r => r.Type == RoomEventType.Reconnecting)
            .Select(r => new RoomEventRecord(roomCode, RoomEventType.Reconnecting, r.UserId, RoundNumber: null, ActorId: null, IsBot: false, DateTime.SpecifyKind(r.At, DateTimeKind.Utc), r.Occurrence))
            .ToList();
        return new RoomActivationEvents(endedEarly, reconnecting);
    }

    public async Task<ConsensusRecord?> ReadConsensusAsync(string roomCode, int roundNumber, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(int Choice, int Confidence, long? SubmittedBy, string? SubmissionId, DateTime At)>(new CommandDefinition(
            """
            SELECT choice, confidence, submitted_by, submission_id, created_at
            FROM consensus_choices
            WHERE room_code = @roomCode AND round_number = @roundNumber
            """,
            new { roomCode, roundNumber },
            cancellationToken: cancellationToken));

        // A withdrawn submitter's row keeps the decision without them (0: nobody), as the room's state does.
        return rows.Select(r => new ConsensusRecord(roomCode, roundNumber, r.Choice, r.Confidence, r.SubmittedBy ?? 0, r.SubmissionId, DateTime.SpecifyKind(r.At, DateTimeKind.Utc)))
            .SingleOrDefault();
    }

    public Task RecordRecordingEventAsync(string roomCode, long userId, string eventType, DateTime occurredAt, CancellationToken cancellationToken) =>
        ExecuteAsync(
            "INSERT INTO recording_events (room_code, user_id, event_type, occurred_at) VALUES (@roomCode, @userId, @eventType, @occurredAt)",
            new { roomCode, userId, eventType, occurredAt },
            cancellationToken);

    public async Task<RecordingEventRecord?> ReadLastRecordingEventAsync(string roomCode, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long UserId, string EventType, DateTime At)>(new CommandDefinition(
            // ix_recording_events_room (room_code, occurred_at) finds it; the id breaks a tie within a microsecond.
            "SELECT user_id, event_type, occurred_at FROM recording_events WHERE room_code = @roomCode ORDER BY occurred_at DESC, id DESC LIMIT 1",
            new { roomCode },
            cancellationToken: cancellationToken));
        return rows.Select(r => new RecordingEventRecord(roomCode, r.UserId, r.EventType, DateTime.SpecifyKind(r.At, DateTimeKind.Utc))).FirstOrDefault();
    }

    public async Task<bool> RecordConnectionQualityAsync(IReadOnlyList<ConnectionQualityRecord> reports, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO connection_quality
                    (room_code, user_id, peer_user_id, round_number, connection_state, relayed, round_trip_ms, jitter_ms, packets_received, packets_lost, reported_at)
                VALUES
                    (@RoomCode, @UserId, @PeerUserId, @RoundNumber, @ConnectionState, @Relayed, @RoundTripMs, @JitterMs, @PacketsReceived, @PacketsLost, @ReportedAt)
                """,
                reports,
                transaction,
                cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            return true;
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
        {
            // uq_connection_quality_link: reported before; disposing the transaction takes back this report's other rows.
            return false;
        }
    }

    public async Task<bool> RecordWithdrawalCodeAsync(string roomCode, long userId, byte[] codeSha256, DateTime issuedAt, CancellationToken cancellationToken)
    {
        // Selected from the seat's row rather than inserted blind: once retention or a withdrawal has removed it, a code
        // would withdraw nothing here and re-link the person to the room; this way it inserts nothing and says so, in one
        // statement (the INSERT ... SELECT holds a shared lock on the seat's row, so neither can remove it in between).
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO withdrawal_codes (code_sha256, room_code, user_id, issued_at)
                SELECT @codeSha256, room_code, user_id, @issuedAt FROM room_participants WHERE room_code = @roomCode AND user_id = @userId
                """,
                new { codeSha256, roomCode, userId, issuedAt },
                cancellationToken: cancellationToken)) == 1;
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
        {
            // pk_withdrawal_codes: the same derived code, recorded by an ask whose state write then failed.
            return true;
        }
    }

    public async Task RecordGeneratedScenarioAsync(GeneratedScenarioRow scenario, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var ai = scenario.Ai;

        // INSERT IGNORE on the id alone: the id is a hash of the content, so a duplicate is the same scenario again.
        await ExecuteAsync(
            """
            INSERT IGNORE INTO generated_scenarios (scenario_id, topic, source, provider, model, prompt_version, fell_back, fallback_reason,
                generated_at, raw_answer_sha256, scenario_json)
            VALUES (@Id, @Topic, @Source, @Provider, @Model, @PromptVersion, @FellBack, @FallbackReason, @GeneratedAt, @RawAnswerSha256, @Json)
            """,
            new
            {
                scenario.Scenario.Id,
                scenario.Scenario.Topic,
                scenario.Scenario.Source,
                ai.Provider,
                Model = AiInteractionRecord.FitModel(ai.Model),
                PromptVersion = AiInteractionRecord.FitPromptVersion(ai.PromptVersion),
                ai.FellBack,
                ai.FallbackReason,
                scenario.GeneratedAt,
                scenario.RawAnswerSha256,
                Json = ScenarioJson.Write(scenario.Scenario),
            },
            cancellationToken);
    }

    public Task RecordAiInteractionAsync(AiInteractionRecord interaction, CancellationToken cancellationToken) =>
        ExecuteAsync(
            // A bot's choice has a unique bot_choice_key (migration AiBotChoiceOnce): made again, it replaces its row as the
            // choice replaces its round_choices row, so the two still say the same thing.
            """
            INSERT INTO ai_interactions (room_code, user_id, kind, round_number, occurred_at, provider, model, prompt_version, fell_back, fallback_reason)
            VALUES (@RoomCode, @UserId, @Kind, @RoundNumber, @At, @Provider, @Model, @PromptVersion, @FellBack, @FallbackReason)
            ON DUPLICATE KEY UPDATE occurred_at = VALUES(occurred_at), provider = VALUES(provider), model = VALUES(model),
                prompt_version = VALUES(prompt_version), fell_back = VALUES(fell_back), fallback_reason = VALUES(fallback_reason)
            """,
            interaction,
            cancellationToken);

    public Task RecordRoomEventAsync(RoomEventRecord roomEvent, CancellationToken cancellationToken) =>
        ExecuteAsync(
            // An event that happens once, or recurs with its number, has a unique once_key (migrations RoomEventsOnce,
            // RoomEventsOccurrence): recorded again, it is the row already there. Not INSERT IGNORE, which would pass over a
            // broken foreign key as well.
            """
            INSERT INTO room_events (room_code, event_type, user_id, round_number, actor_id, is_bot, occurred_at, occurrence)
            VALUES (@RoomCode, @EventType, @UserId, @RoundNumber, @ActorId, @IsBot, @At, @Occurrence)
            ON DUPLICATE KEY UPDATE id = id
            """,
            roomEvent,
            cancellationToken);

    public async Task<(IReadOnlyList<RoomRow> Rooms, long Total)> ListPublicRoomsAsync(string? topic, string status, long offset, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var parameters = new { topic, status, offset, limit };
        var rooms = await connection.QueryAsync<RoomRow>(new CommandDefinition(
            $"""
            SELECT r.room_code AS RoomCode, r.title AS Title, r.topic AS Topic, r.status AS Status,
                   CAST((SELECT COUNT(*) FROM room_participants p WHERE p.room_code = r.room_code AND p.left_at IS NULL) AS SIGNED) AS ParticipantCount,
                   r.created_at AS CreatedAt
            FROM rooms r
            WHERE r.is_public = 1 AND r.status = @status AND (@topic IS NULL OR ({MySqlTopic.Matches("r.topic")}))
            ORDER BY r.created_at DESC, r.room_code
            LIMIT @limit OFFSET @offset
            """,
            parameters,
            cancellationToken: cancellationToken));
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM rooms WHERE is_public = 1 AND status = @status AND (@topic IS NULL OR ({MySqlTopic.Matches("topic")}))",
            parameters,
            cancellationToken: cancellationToken));
        return (rooms.AsList(), total);
    }

    public async Task<IReadOnlyList<string>> FindOpenPublicRoomsAsync(string? topic, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var codes = await connection.QueryAsync<string>(new CommandDefinition(
            $"""
            SELECT r.room_code
            FROM rooms r JOIN room_participants p ON p.room_code = r.room_code AND p.left_at IS NULL
            WHERE r.is_public = 1 AND r.status = 'waiting' AND (@topic IS NULL OR ({MySqlTopic.Matches("r.topic")}))
            GROUP BY r.room_code, r.created_at
            HAVING COUNT(*) < 3
            ORDER BY COUNT(*) DESC, r.created_at
            LIMIT @limit
            """,
            new { topic, limit },
            cancellationToken: cancellationToken));
        return codes.AsList();
    }

    public async Task<IReadOnlyList<string>> FindWaitingRoomsAsync(DateTime createdBefore, int limit, CancellationToken cancellationToken)
    {
        // ix_rooms_status_topic_created: status leads it, so this reads only the waiting rooms.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var codes = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT room_code FROM rooms WHERE status = 'waiting' AND created_at < @createdBefore ORDER BY created_at LIMIT @limit",
            new { createdBefore, limit },
            cancellationToken: cancellationToken));
        return codes.AsList();
    }

    public async Task<IReadOnlyList<string>> FindLeftGamesAsync(DateTime quietSince, int limit, CancellationToken cancellationToken)
    {
        // The status index reads only the started rooms; each NOT EXISTS looks at one room's rows by an index led by room_code.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var codes = await connection.QueryAsync<string>(new CommandDefinition(
            """
            SELECT r.room_code FROM rooms r
            WHERE r.status = 'started' AND r.started_at < @quietSince
              AND NOT EXISTS (SELECT 1 FROM room_participants p WHERE p.room_code = r.room_code AND (p.joined_at >= @quietSince OR p.left_at >= @quietSince))
              AND NOT EXISTS (SELECT 1 FROM round_choices c WHERE c.room_code = r.room_code AND c.updated_at >= @quietSince)
              AND NOT EXISTS (SELECT 1 FROM consensus_choices c WHERE c.room_code = r.room_code AND c.created_at >= @quietSince)
              AND NOT EXISTS (SELECT 1 FROM room_events e WHERE e.room_code = r.room_code AND e.occurred_at >= @quietSince)
              AND NOT EXISTS (SELECT 1 FROM recording_events e WHERE e.room_code = r.room_code AND e.occurred_at >= @quietSince)
              AND NOT EXISTS (SELECT 1 FROM ai_interactions a WHERE a.room_code = r.room_code AND a.occurred_at >= @quietSince)
              AND NOT EXISTS (SELECT 1 FROM connection_quality q WHERE q.room_code = r.room_code AND q.reported_at >= @quietSince)
            ORDER BY r.started_at LIMIT @limit
            """,
            new { quietSince, limit },
            cancellationToken: cancellationToken));
        return codes.AsList();
    }

    private async Task ExecuteAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
    }

    // Settable properties rather than a positional record: Dapper then converts TINYINT as it assigns.
    private sealed class BotRow
    {
        public long UserId { get; set; }

        public string Nickname { get; set; } = string.Empty;

        public int? RoleId { get; set; }

        public DateTime JoinedAt { get; set; }
    }
}
