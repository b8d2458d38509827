using Dilemma.Grains.Storage;
using Dilemma.Grains.Storage.Migrations;
using Dilemma.Tests.Infrastructure;
using FluentMigrator.Runner;
using FluentMigrator.Runner.Initialization;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Dilemma.Tests.Storage;

public sealed class MigrationTests(LocalServices services)
{
    // Every migration the Grains assembly ships, so a new one is expected without editing this list.
    private static readonly long[] AllMigrations = typeof(SchemaMigrator).Assembly.GetTypes()
        .Select(t => t.GetCustomAttributes(typeof(FluentMigrator.MigrationAttribute), inherit: false).OfType<FluentMigrator.MigrationAttribute>().FirstOrDefault())
        .Where(a => a is not null)
        .Select(a => a!.Version)
        .Order()
        .ToArray();

    private static readonly string[] ApplicationTables =
        ["users", "refresh_tokens", "rooms", "room_participants", "round_choices", "consensus_choices", "research_exports", "recording_events", "room_events"];

    private static readonly string[] OrleansTables = ["OrleansQuery", "OrleansStorage", "OrleansRemindersTable"];

    private static readonly string[] OrleansRoutines =
        ["OrleansReadFromStorage", "OrleansWriteToStorage", "OrleansClearStorage", "OrleansDeleteStorage"];

    // (table, index, unique) as other code relies on them.
    private static readonly (string Table, string Index, bool Unique)[] NamedIndexes =
    [
        ("users", "uq_users_username_key", true),
        ("users", "uq_users_guest_id", true),
        ("refresh_tokens", "uq_refresh_tokens_token_hash", true),
        ("refresh_tokens", "ix_refresh_tokens_family", false),
        ("rooms", "ix_rooms_status_topic_created", false),
        ("rooms", "ix_rooms_created", false),
        ("room_participants", "uq_room_participants_room_user", true),
        ("room_participants", "ix_room_participants_user", false),
        ("round_choices", "uq_round_choices_room_round_user", true),
        ("round_choices", "ix_round_choices_user", false),
        ("consensus_choices", "uq_consensus_choices_room_round", true),
        ("research_exports", "uq_research_exports_export_id", true),
        ("research_exports", "ix_research_exports_started", false),
        ("recording_events", "ix_recording_events_room", false),
        ("room_events", "ix_room_events_room", false),
        ("room_events", "uq_room_events_once", true),
        ("facilitator_actions", "uq_facilitator_actions_once", true),
        ("OrleansRemindersTable", "ix_orleans_reminders_hash", false),
        ("round_choices", "ix_round_choices_export", false),
        ("consensus_choices", "ix_consensus_choices_export", false),
        ("connection_quality", "uq_connection_quality_link", true),
        ("ai_interactions", "uq_ai_interactions_bot_choice", true),
    ];

    [Fact]
    public async Task Migrating_twice_is_a_no_op_and_records_each_migration_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await services.CreateDatabaseAsync("mig_twice_", migrate: true, ct);
        var before = await AppliedMigrationsAsync(database, ct);

        await SchemaMigrator.MigrateAsync(database, ct);

        var after = await AppliedMigrationsAsync(database, ct);
        Assert.Equal(AllMigrations, after.Select(m => m.Version));
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Migrating_from_three_tasks_at_once_succeeds_and_applies_each_migration_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await services.CreateDatabaseAsync("mig_race_", migrate: false, ct);

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => SchemaMigrator.MigrateAsync(database, ct), ct)));

        Assert.Equal(AllMigrations, (await AppliedMigrationsAsync(database, ct)).Select(m => m.Version));
    }

    [Fact]
    public async Task Migrating_creates_the_database_when_it_does_not_exist()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = $"mig_new_{Guid.NewGuid():N}";
        var database = new MySqlConnectionStringBuilder(await services.GetServerConnectionStringAsync(ct)) { Database = name }.ConnectionString;

        await SchemaMigrator.MigrateAsync(database, ct);

        var charset = await ScalarAsync(
            database,
            "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()",
            ct);
        Assert.Equal("utf8mb4", charset);
        Assert.Equal(AllMigrations, (await AppliedMigrationsAsync(database, ct)).Select(m => m.Version));
    }

    [Fact]
    public async Task Every_table_and_named_index_exists_on_InnoDB_in_utf8mb4_with_dynamic_rows()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await services.CreateDatabaseAsync("mig_shape_", migrate: true, ct);

        var tables = await RowsAsync(
            database,
            "SELECT TABLE_NAME, ENGINE, TABLE_COLLATION, ROW_FORMAT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
            ct);
        foreach (var table in ApplicationTables.Concat(OrleansTables))
        {
            var row = Assert.Single(tables, t => (string)t[0] == table);
            Assert.Equal("InnoDB", row[1]);
            Assert.StartsWith("utf8mb4_", (string)row[2], StringComparison.Ordinal);
            Assert.Equal("Dynamic", row[3]);
        }

        var indexes = await RowsAsync(
            database,
            "SELECT DISTINCT TABLE_NAME, INDEX_NAME, NON_UNIQUE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()",
            ct);
        foreach (var (table, index, unique) in NamedIndexes)
        {
            var row = Assert.Single(indexes, i => (string)i[0] == table && (string)i[1] == index);
            Assert.Equal(unique, Convert.ToInt64(row[2], System.Globalization.CultureInfo.InvariantCulture) == 0);
        }
    }

    [Fact]
    public async Task Columns_compared_exactly_use_binary_collations_and_every_timestamp_keeps_microseconds()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await services.CreateDatabaseAsync("mig_cols_", migrate: true, ct);
        var columns = await RowsAsync(
            database,
            """
            SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COALESCE(COLLATION_NAME, ''), COALESCE(DATETIME_PRECISION, -1)
            FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'VersionInfo'
            """,
            ct);
        string Collation(string table, string column) => (string)Assert.Single(columns, c => (string)c[0] == table && (string)c[1] == column)[3];

        Assert.Equal("utf8mb4_bin", Collation("users", "username_key"));
        Assert.Equal("utf8mb4_bin", Collation("users", "guest_id"));
        Assert.Equal("utf8mb4_bin", Collation("OrleansStorage", "GrainTypeString"));
        Assert.Equal("utf8mb4_bin", Collation("OrleansStorage", "GrainIdExtensionString"));
        Assert.Equal("utf8mb4_bin", Collation("OrleansStorage", "ServiceId"));
        foreach (var table in new[] { "rooms", "room_participants", "round_choices", "consensus_choices", "recording_events", "room_events" })
        {
            Assert.Equal("ascii_bin", Collation(table, "room_code"));
        }

        string[] asciiColumns = ["room_code", "export_id", "participants_sha256", "rooms_sha256", "role", "change_type", "kind", "version", "decision", "data_consent_version", "voice_consent_version", "once_key", "bot_choice_key", "language", "text_sha256", "scenario_sha256"];
        Assert.All(asciiColumns.Skip(1).Take(3), column => Assert.Equal("ascii_bin", Collation("research_exports", column)));

        // Role names are fixed ASCII words compared exactly.
        Assert.Equal("ascii_bin", Collation("user_roles", "role"));
        Assert.Equal("ascii_bin", Collation("role_changes", "role"));
        Assert.Equal("ascii_bin", Collation("role_changes", "change_type"));

        // Consent kinds, decisions and text versions are fixed ASCII words compared exactly.
        Assert.All(["kind", "version", "decision"], column => Assert.Equal("ascii_bin", Collation("consent_records", column)));
        Assert.Equal("ascii_bin", Collation("users", "data_consent_version"));
        Assert.Equal("ascii_bin", Collation("users", "voice_consent_version"));

        // An event's once key, a bot choice's key and a facilitator action's once key are ASCII (words, numbers, hex digests), compared exactly.
        Assert.Equal("ascii_bin", Collation("room_events", "once_key"));
        Assert.Equal("ascii_bin", Collation("ai_interactions", "bot_choice_key"));
        Assert.Equal("ascii_bin", Collation("facilitator_actions", "once_key"));

        // A decision's page language is a two-letter code, and a played wording's hash hex digits, compared exactly.
        Assert.All(["round_choices", "round_choice_submissions", "consensus_choices"], table => Assert.Equal("ascii_bin", Collation(table, "language")));
        Assert.Equal("ascii_bin", Collation("scenario_texts", "text_sha256"));
        Assert.Equal("ascii_bin", Collation("rooms", "scenario_sha256"));

        // Every character column is utf8mb4 except the ASCII codes, ids and digests.
        Assert.All(
            columns.Where(c => ((string)c[3]).Length > 0 && !asciiColumns.Contains((string)c[1])),
            c => Assert.StartsWith("utf8mb4_", (string)c[3], StringComparison.Ordinal));
        var timestamps = columns.Where(c => (string)c[2] == "datetime").ToList();
        Assert.NotEmpty(timestamps);
        Assert.All(timestamps, c => Assert.Equal(6L, Convert.ToInt64(c[4], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal("longblob", Assert.Single(columns, c => (string)c[0] == "OrleansStorage" && (string)c[1] == "PayloadBinary")[2]);
    }

    [Fact]
    public async Task Refresh_tokens_go_with_their_user()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await services.CreateDatabaseAsync("mig_fk_", migrate: true, ct);
        await ExecuteAsync(
            database,
            """
            INSERT INTO users (id, is_guest, created_at) VALUES (1, 0, UTC_TIMESTAMP(6));
            INSERT INTO refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at)
            VALUES (UNHEX(SHA2('t', 256)), UNHEX(REPEAT('00', 16)), 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6));
            DELETE FROM users WHERE id = 1;
            """,
            ct);

        Assert.Equal("0", await ScalarAsync(database, "SELECT COUNT(*) FROM refresh_tokens", ct));
    }

    [Fact]
    public async Task Orleans_storage_has_its_tables_routines_and_the_four_query_keys()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await services.CreateDatabaseAsync("mig_orleans_", migrate: true, ct);

        var routines = await RowsAsync(
            database,
            "SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()",
            ct);
        Assert.Equal(OrleansRoutines.Order(), routines.Select(r => (string)r[0]).Order());

        // The reminder service's seven queries share the table (Migrations/OrleansReminders.cs).
        var queries = await RowsAsync(database, "SELECT QueryKey, QueryText FROM OrleansQuery WHERE QueryKey NOT LIKE '%Reminder%' AND QueryKey NOT LIKE 'ReadRangeRows%'", ct);
        Assert.Equal(
            ["ClearStorageKey", "DeleteStorageKey", "ReadFromStorageKey", "WriteToStorageKey"],
            queries.Select(q => (string)q[0]).Order());
        var reminderQueries = await RowsAsync(database, "SELECT QueryKey FROM OrleansQuery WHERE QueryKey LIKE '%Reminder%' OR QueryKey LIKE 'ReadRangeRows%'", ct);
        Assert.Equal(
            ["DeleteReminderRowKey", "DeleteReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey", "ReadReminderRowsKey", "UpsertReminderRowKey"],
            reminderQueries.Select(q => (string)q[0]).Order());
        Assert.All(queries, q => Assert.StartsWith("CALL Orleans", (string)q[1], StringComparison.Ordinal));

        var primaryKey = await RowsAsync(
            database,
            "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'OrleansStorage' AND CONSTRAINT_NAME = 'PRIMARY'",
            ct);
        Assert.Equal("IdentityHash", (string)Assert.Single(primaryKey)[0]);
    }

    // MySQL 8 has binary logging on by default, and then CREATE FUNCTION needs SUPER or
    // log_bin_trust_function_creators=1, which managed MySQL services refuse; CREATE PROCEDURE has no such rule.
    // A stored function would make the migration fail there although it passes on this MariaDB, so none may creep
    // back in: the procedures compute what they need themselves.
    [Fact]
    public async Task The_schema_has_the_four_storage_procedures_and_no_stored_function()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await services.CreateDatabaseAsync("mig_nofunc_", migrate: true, ct);

        var functions = await RowsAsync(
            database,
            "SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE = 'FUNCTION'",
            ct);
        Assert.Empty(functions.Select(f => (string)f[0]));

        var procedures = await RowsAsync(
            database,
            "SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE = 'PROCEDURE'",
            ct);
        Assert.Equal(OrleansRoutines.Order(), procedures.Select(p => (string)p[0]).Order());
    }

    [Fact]
    public async Task Rolling_every_migration_back_removes_what_it_created_and_migrating_again_restores_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await services.CreateDatabaseAsync("mig_down_", migrate: true, ct);

        await Task.Run(() => WithRunner(database, runner => runner.MigrateDown(0)), ct);

        Assert.Equal(
            ["VersionInfo"],
            (await RowsAsync(database, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()", ct)).Select(r => (string)r[0]));
        Assert.Equal("0", await ScalarAsync(database, "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()", ct));

        await SchemaMigrator.MigrateAsync(database, ct);

        Assert.Equal(AllMigrations, (await AppliedMigrationsAsync(database, ct)).Select(m => m.Version));
    }

    private static void WithRunner(string connectionString, Action<IMigrationRunner> action)
    {
        using var provider = new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(runner => runner
                .AddMySql8()
                .WithGlobalConnectionString(connectionString)
                .ScanIn(typeof(OrleansGrainStorage).Assembly).For.Migrations())
            .Configure<TypeFilterOptions>(options => options.Namespace = typeof(OrleansGrainStorage).Namespace)
            .BuildServiceProvider();
        using var scope = provider.CreateScope();
        action(scope.ServiceProvider.GetRequiredService<IMigrationRunner>());
    }

    [Fact]
    public async Task Events_recorded_twice_before_the_once_key_keep_their_earliest_row_and_recurring_events_stay()
    {
        var ct = TestContext.Current.CancellationToken;
        // Rows as a retried call left them; the room and users they name are beside the point here.
        var database = await MigratedWithRowsAsync(
            "mig_once_",
            2026120500,
            """
            SET FOREIGN_KEY_CHECKS = 0;
            INSERT INTO room_events (id, room_code, event_type, user_id, round_number, occurred_at) VALUES
                (1, '100001', 'timed_out', 7, 2, '2026-01-01'), (2, '100001', 'timed_out', 7, 2, '2026-01-02'),
                (3, '100001', 'timed_out', 7, 3, '2026-01-03'), (4, '100002', 'timed_out', 7, 2, '2026-01-04'),
                (5, '100001', 'no_consensus', NULL, 2, '2026-01-05'), (6, '100001', 'no_consensus', NULL, 2, '2026-01-06'),
                (7, '100001', 'participant_removed', 7, 2, '2026-01-07'), (8, '100001', 'participant_removed', 7, 4, '2026-01-08'),
                (9, '100001', 'participant_dropped', 7, 2, '2026-01-09'), (10, '100001', 'participant_dropped', 7, 2, '2026-01-10');
            """,
            ct);

        var kept = await IdsAsync(database, "SELECT id FROM room_events ORDER BY id", ct);
        Assert.Equal([1L, 3, 4, 5, 7, 9, 10], kept);
    }

    [Fact]
    public async Task A_bots_choice_recorded_twice_before_its_key_keeps_its_later_row_and_questions_stay()
    {
        var ct = TestContext.Current.CancellationToken;
        // Rows as a bot's choice made again left them; the room and users they name are beside the point here.
        var database = await MigratedWithRowsAsync(
            "mig_botai_",
            2026120600,
            """
            SET FOREIGN_KEY_CHECKS = 0;
            INSERT INTO ai_interactions (id, room_code, user_id, kind, round_number, occurred_at, provider, prompt_version, fell_back) VALUES
                (1, '100001', 7, 'bot_choice', 1, '2026-01-01', 'offline', 'v1', 0), (2, '100001', 7, 'bot_choice', 1, '2026-01-02', 'openai', 'v1', 0),
                (3, '100001', 7, 'bot_choice', 2, '2026-01-03', 'offline', 'v1', 0), (4, '100002', 7, 'bot_choice', 1, '2026-01-04', 'offline', 'v1', 0),
                (5, '100001', 8, 'question', 1, '2026-01-05', 'offline', 'v1', 0), (6, '100001', 8, 'question', 1, '2026-01-06', 'offline', 'v1', 0),
                (7, '100001', NULL, 'feedback', NULL, '2026-01-07', 'offline', 'v1', 0), (8, '100001', NULL, 'feedback', NULL, '2026-01-08', 'offline', 'v1', 0);
            """,
            ct);

        var kept = await IdsAsync(database, "SELECT id FROM ai_interactions ORDER BY id", ct);
        Assert.Equal([2L, 3, 4, 5, 6, 7, 8], kept);
    }

    [Fact]
    public async Task Recurring_events_recorded_before_their_numbers_stay_every_one_and_numbered_ones_are_kept_once()
    {
        var ct = TestContext.Current.CancellationToken;
        // A drop a retried call recorded twice, before rows had numbers: not told from two real drops, so both stay.
        var database = await MigratedWithRowsAsync(
            "mig_occurrence_",
            2026120600,
            """
            SET FOREIGN_KEY_CHECKS = 0;
            INSERT INTO room_events (id, room_code, event_type, user_id, round_number, occurred_at) VALUES
                (1, '100001', 'participant_reconnecting', 7, NULL, '2026-01-01'), (2, '100001', 'participant_dropped', 7, NULL, '2026-01-02'),
                (3, '100001', 'participant_dropped', 7, NULL, '2026-01-03'), (4, '100001', 'host_changed', 8, NULL, '2026-01-04'),
                (5, '100001', 'absent', 7, 2, '2026-01-05');
            """,
            ct);

        var kept = await RowsAsync(database, "SELECT id, occurrence, once_key FROM room_events ORDER BY id", ct);
        Assert.Equal(
            [(1L, (object)DBNull.Value, (object)DBNull.Value), (2, DBNull.Value, DBNull.Value), (3, DBNull.Value, DBNull.Value), (4, DBNull.Value, DBNull.Value), (5, DBNull.Value, "absent:7:2")],
            kept.Select(r => (Convert.ToInt64(r[0], System.Globalization.CultureInfo.InvariantCulture), r[1], r[2])));

        // From now on a drop carries its number: the same number again is the row already there, the next one a row.
        await ExecuteAsync(
            database,
            """
            SET FOREIGN_KEY_CHECKS = 0;
            INSERT INTO room_events (room_code, event_type, user_id, occurred_at, occurrence) VALUES ('100001', 'participant_dropped', 7, '2026-01-06', 1)
                ON DUPLICATE KEY UPDATE id = id;
            INSERT INTO room_events (room_code, event_type, user_id, occurred_at, occurrence) VALUES ('100001', 'participant_dropped', 7, '2026-01-07', 1)
                ON DUPLICATE KEY UPDATE id = id;
            INSERT INTO room_events (room_code, event_type, user_id, occurred_at, occurrence) VALUES ('100001', 'participant_dropped', 7, '2026-01-08', 2)
                ON DUPLICATE KEY UPDATE id = id;
            """,
            ct);
        var numbered = await RowsAsync(database, "SELECT once_key FROM room_events WHERE occurrence IS NOT NULL ORDER BY id", ct);
        Assert.Equal(["participant_dropped:7:1", "participant_dropped:7:2"], numbered.Select(r => (string)r[0]));
    }

    [Fact]
    public async Task Facilitator_actions_audited_before_the_once_key_stay_and_a_keyed_action_is_one_row_after_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await MigratedWithRowsAsync(
            "mig_fonce_",
            2026120600,
            """
            INSERT INTO users (id, is_guest, created_at) VALUES (1, 0, UTC_TIMESTAMP(6));
            INSERT INTO facilitator_actions (session_code, actor_id, action, room_code, occurred_at) VALUES
                ('S1', 1, 'end_room', '100001', '2026-01-01'), ('S1', 1, 'end_room', '100001', '2026-01-02');
            """,
            ct);

        Assert.Equal("2", await ScalarAsync(database, "SELECT COUNT(*) FROM facilitator_actions WHERE once_key IS NULL", ct));
        await ExecuteAsync(database, "INSERT INTO facilitator_actions (session_code, actor_id, action, occurred_at, once_key) VALUES ('S1', 1, 'close_session', '2026-01-03', 'k')", ct);
        var duplicate = await Assert.ThrowsAsync<MySqlException>(() => ExecuteAsync(
            database,
            "INSERT INTO facilitator_actions (session_code, actor_id, action, occurred_at, once_key) VALUES ('S1', 1, 'close_session', '2026-01-04', 'k')",
            ct));
        Assert.Equal(MySqlErrorCode.DuplicateKeyEntry, duplicate.ErrorCode);

        // Unique within a session, and compared exactly.
        await ExecuteAsync(
            database,
            "INSERT INTO facilitator_actions (session_code, actor_id, action, occurred_at, once_key) VALUES ('S2', 1, 'close_session', '2026-01-05', 'k'), ('S1', 1, 'close_session', '2026-01-06', 'K')",
            ct);
        Assert.Equal("5", await ScalarAsync(database, "SELECT COUNT(*) FROM facilitator_actions", ct));
    }

    [Fact]
    public async Task Plain_withdrawal_codes_left_in_stored_room_states_are_removed_and_nothing_else_is_touched()
    {
        var ct = TestContext.Current.CancellationToken;
        // A room stored before codes were derived (one seat with its code, in either casing), a room without, another grain
        // type that happens to use the name, and a room state no JSON reader could load.
        const string planted = """{"Code":"100001","Participants":[{"UserId":7,"Nickname":"Zoë <3","WithdrawalCode":"K7QX-P2MD-9VHT","WithdrawalCodeSha256":"AAEC"},{"UserId":8,"withdrawalCode":"R4TT-8WZE-JJ2C"},{"UserId":9}],"Rounds":[{"Number":1,"Started":1.50}]}""";
        const string clean = """{"Code":"100002","Participants":[{"UserId":10,"WithdrawalCodeSha256":"AAEC"}]}""";
        const string other = """{"Participants":[{"WithdrawalCode":"NOT-A-ROOM"}]}""";
        const string broken = """{"Participants":[{"WithdrawalCode":"CUT-OFF""";
        var database = await MigratedWithRowsAsync(
            "mig_plaincode_",
            2026120702,
            $"""
            INSERT INTO OrleansStorage (IdentityHash, GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version) VALUES
                (UNHEX(SHA2('planted', 256)), 0, 0, 0, 0, 'room', '100001', 'dilemma', '{planted}', '2026-01-01', 41),
                (UNHEX(SHA2('clean', 256)), 0, 0, 0, 0, 'room', '100002', 'dilemma', '{clean}', '2026-01-01', 5),
                (UNHEX(SHA2('other', 256)), 0, 0, 0, 0, 'session', 'S1', 'dilemma', '{other}', '2026-01-01', 3),
                (UNHEX(SHA2('broken', 256)), 0, 0, 0, 0, 'room', '100003', 'dilemma', '{broken}', '2026-01-01', 2);
            """,
            ct);

        var states = (await RowsAsync(database, "SELECT GrainIdExtensionString, PayloadBinary, Version FROM OrleansStorage", ct))
            .ToDictionary(r => (string)r[0], r => (Payload: System.Text.Encoding.UTF8.GetString((byte[])r[1]), Version: Convert.ToInt32(r[2], System.Globalization.CultureInfo.InvariantCulture)));

        var room = System.Text.Json.Nodes.JsonNode.Parse(states["100001"].Payload)!;
        Assert.DoesNotContain("K7QX-P2MD-9VHT", states["100001"].Payload, StringComparison.Ordinal);
        Assert.DoesNotContain("R4TT-8WZE-JJ2C", states["100001"].Payload, StringComparison.Ordinal);
        var expected = System.Text.Json.Nodes.JsonNode.Parse("""{"Code":"100001","Participants":[{"UserId":7,"Nickname":"Zoë <3","WithdrawalCodeSha256":"AAEC"},{"UserId":8},{"UserId":9}],"Rounds":[{"Number":1,"Started":1.50}]}""");
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(expected, room), states["100001"].Payload);

        // The version a holding silo would write against is the one it had.
        Assert.Equal(41, states["100001"].Version);
        Assert.Equal((clean, 5), states["100002"]);
        Assert.Equal((other, 3), states["S1"]);
        Assert.Equal((broken, 2), states["100003"]);
    }

    /// <summary>
    /// A new database migrated to <paramref name="version"/>, <paramref name="rows"/> written there (as the code of that time,
    /// or a retried call, left them), then migrated to the newest: what a migration does to rows already recorded.
    /// </summary>
    private async Task<string> MigratedWithRowsAsync(string prefix, long version, string rows, CancellationToken ct)
    {
        var database = await services.CreateDatabaseAsync(prefix, migrate: false, ct);
        await SchemaMigrator.MigrateAsync(database, version, ct);
        await ExecuteAsync(database, rows, ct);
        await SchemaMigrator.MigrateAsync(database, ct);
        return database;
    }

    private static async Task<List<long>> IdsAsync(string connectionString, string sql, CancellationToken ct) =>
        (await RowsAsync(connectionString, sql, ct)).Select(r => Convert.ToInt64(r[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();

    private static async Task<List<(long Version, DateTime? AppliedOn)>> AppliedMigrationsAsync(string connectionString, CancellationToken ct)
    {
        var rows = await RowsAsync(connectionString, "SELECT Version, AppliedOn FROM VersionInfo ORDER BY Version", ct);
        return rows.Select(r => (Convert.ToInt64(r[0], System.Globalization.CultureInfo.InvariantCulture), r[1] as DateTime?)).ToList();
    }

    private static async Task<List<object[]>> RowsAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new MySqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<object[]>();
        while (await reader.ReadAsync(ct))
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }

        return rows;
    }

    private static async Task<string?> ScalarAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new MySqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
