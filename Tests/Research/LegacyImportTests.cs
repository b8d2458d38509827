using System.Globalization;
using Dapper;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Scenarios;
using Dilemma.Grains.Storage;
using Dilemma.Silo.LegacyImport;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tools.DataGenerator;
using Microsoft.Extensions.Configuration;
using MySqlConnector;

namespace Dilemma.Tests.Research;

/// <summary>
/// The original system's database (its schema, a generated data set of its size) on the fixtures' MariaDB in a
/// database of its own, imported twice into a cluster deployment's database; the cluster then serves the export.
/// </summary>
public sealed class LegacyImportFixture(LocalServices services) : IAsyncLifetime
{
    public ClusterDeployment Deployment { get; private set; } = null!;

    public string Legacy { get; private set; } = null!;

    public LegacyDataSetReport Generated { get; private set; } = null!;

    public LegacyImportReport First { get; private set; } = null!;

    public LegacyImportReport Second { get; private set; } = null!;

    public string FirstProgress { get; private set; } = null!;

    public IReadOnlyDictionary<string, long> CountsAfterFirst { get; private set; } = null!;

    public IReadOnlyDictionary<string, long> CountsAfterSecond { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public IGrainFactory Grains => (IGrainFactory)_gateway.Services.GetService(typeof(IGrainFactory))!;

    private GatewayFactory _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        Deployment = await ClusterDeployment.CreateAsync(services, "legacy_to_", ct);
        await SchemaMigrator.MigrateAsync(Deployment.MySqlConnectionString, ct);
        Legacy = await services.CreateDatabaseAsync("legacy_from_", migrate: false, ct);
        Generated = await LegacyDataSet.CreateAsync(Legacy, seed: 1, ct);

        using var progress = new StringWriter();
        First = await LegacyImporter.ImportAsync(Legacy, Deployment.MySqlConnectionString, progress, progressInPlace: false, ct);
        FirstProgress = progress.ToString();
        CountsAfterFirst = await CountsAsync(ct);
        Second = await LegacyImporter.ImportAsync(Legacy, Deployment.MySqlConnectionString, TextWriter.Null, progressInPlace: false, ct);
        CountsAfterSecond = await CountsAsync(ct);

        await Deployment.StartSiloAsync(ct);
        _gateway = Deployment.CreateGateway();
        Client = _gateway.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (Deployment is not null)
        {
            await Deployment.DisposeAsync();
        }
    }

    public async Task<Dictionary<string, long>> CountsAsync(CancellationToken ct)
    {
        await using var connection = new MySqlConnection(Deployment.MySqlConnectionString);
        var row = await connection.QuerySingleAsync<(long Users, long Rooms, long Seats, long Choices, long Consensus, long Ledger, long Consents, long Submissions)>(new CommandDefinition(
            """
            SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM rooms), (SELECT COUNT(*) FROM room_participants),
                   (SELECT COUNT(*) FROM round_choices), (SELECT COUNT(*) FROM consensus_choices), (SELECT COUNT(*) FROM legacy_imports),
                   (SELECT COUNT(*) FROM consent_records), (SELECT COUNT(*) FROM round_choice_submissions)
            """,
            cancellationToken: ct));
        return new()
        {
            ["users"] = row.Users,
            ["rooms"] = row.Rooms,
            ["room_participants"] = row.Seats,
            ["round_choices"] = row.Choices,
            ["consensus_choices"] = row.Consensus,
            ["legacy_imports"] = row.Ledger,
            ["consent_records"] = row.Consents,
            ["round_choice_submissions"] = row.Submissions,
        };
    }
}

/// <summary>import-legacy against a real MariaDB: what it writes, what it skips and why, a rerun, and the export of the result.</summary>
public sealed class LegacyImportTests(LegacyImportFixture fixture, LocalServices services) : IClassFixture<LegacyImportFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_generated_original_has_its_size_and_the_first_run_writes_every_valid_row_and_says_why_it_skipped_the_rest()
    {
        var generated = fixture.Generated;
        Assert.Equal((277, 760, 1_693), (generated.Users, generated.Rooms, generated.Participants));

        await using var legacy = new MySqlConnection(fixture.Legacy);
        Assert.Equal(1_693L, await legacy.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM room_participants"));

        var first = fixture.First;
        Assert.Equal(["users", "rooms", "room_participants", "round_choices", "consensus_choices"], first.Tables.Select(t => t.Table));
        Assert.Equal((277L, 277L), (first["users"].Read, first["users"].Written));
        Assert.Equal((760L, 760L), (first["rooms"].Read, first["rooms"].Written));
        Assert.Equal(LegacyDataSet.LetterCodes, first["rooms"].Notes[ImportNotes.NewRoomCode]);
        Assert.Equal(LegacyDataSet.Rooms - LegacyDataSet.StartedRooms, first["rooms"].Notes[ImportNotes.NotStarted]);

        Assert.Equal((1_693L, 1_693L - LegacyDataSet.OrphanSeats), (first["room_participants"].Read, first["room_participants"].Written));
        Assert.Equal(new Dictionary<string, long> { [SkipReasons.UserMissing] = LegacyDataSet.OrphanSeats }, first["room_participants"].Skipped);
        Assert.Equal(LegacyDataSet.SeatsWithoutNickname, first["room_participants"].Notes[ImportNotes.NicknameFromUser]);

        Assert.Equal((generated.Choices, generated.Choices - LegacyDataSet.OutOfRangeChoices), ((int)first["round_choices"].Read, (int)first["round_choices"].Written));
        Assert.Equal(new Dictionary<string, long> { [SkipReasons.ChoiceOutOfRange] = LegacyDataSet.OutOfRangeChoices }, first["round_choices"].Skipped);
        Assert.Equal((generated.Consensus, generated.Consensus), ((int)first["consensus_choices"].Read, (int)first["consensus_choices"].Written));

        // Progress went to the writer given for it: a line per batch and table, ending with each table complete.
        foreach (var table in first.Tables)
        {
            Assert.Contains($"{table.Read}/{table.Read} (written {table.Written}, skipped {table.SkippedTotal})", fixture.FirstProgress, StringComparison.Ordinal);
        }

        // Every imported row is marked with its original id and listed in the ledger; consents are recorded as legacy.
        var counts = fixture.CountsAfterFirst;
        Assert.Equal(first.Tables.Sum(t => t.Written), counts["legacy_imports"]);

        // Each imported choice is its one submission, which the decisions sheet reads.
        Assert.Equal(first["round_choices"].Written, counts["round_choice_submissions"]);
        await using var target = new MySqlConnection(fixture.Deployment.MySqlConnectionString);
        var marked = await target.QuerySingleAsync<(long Users, long Rooms, long Seats, long Choices, long Consensus)>(
            """
            SELECT (SELECT COUNT(*) FROM users WHERE legacy_id IS NOT NULL), (SELECT COUNT(*) FROM rooms WHERE legacy_id IS NOT NULL),
                   (SELECT COUNT(*) FROM room_participants WHERE legacy_id IS NOT NULL), (SELECT COUNT(*) FROM round_choices WHERE legacy_id IS NOT NULL),
                   (SELECT COUNT(*) FROM consensus_choices WHERE legacy_id IS NOT NULL)
            """);
        Assert.Equal((first["users"].Written, first["rooms"].Written, first["room_participants"].Written, first["round_choices"].Written, first["consensus_choices"].Written), marked);
        var consents = await legacy.ExecuteScalarAsync<long>("SELECT SUM(data_consent) + SUM(voice_consent) FROM users");
        Assert.Equal(consents, await target.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM consent_records WHERE version = 'legacy' AND decision = 'granted'"));
        Assert.Equal(0L, await target.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users WHERE legacy_id IS NOT NULL AND (password_hash IS NOT NULL OR guest_id IS NOT NULL)"));
    }

    [Fact]
    public void A_second_run_adds_nothing_and_every_count_stays_equal()
    {
        foreach (var table in fixture.Second.Tables)
        {
            // What the first run wrote is already imported; what it skipped is skipped again, for the same reason.
            var first = fixture.First[table.Table];
            Assert.Equal(0L, table.Written);
            Assert.Equal(first.Read, table.Read);
            Assert.Equal(first.Skipped.Append(KeyValuePair.Create(SkipReasons.AlreadyImported, first.Written)).OrderBy(p => p.Key, StringComparer.Ordinal), table.Skipped);
        }

        Assert.Equal(fixture.CountsAfterFirst, fixture.CountsAfterSecond);
    }

    [Fact]
    public async Task A_run_stopped_part_way_is_finished_by_the_next_and_erased_rows_are_not_brought_back()
    {
        // Stopped as Ctrl+C stops it: the token is cancelled once the first batch of seats is committed.
        var target = await services.CreateDatabaseAsync("legacy_cut_", migrate: true, Ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await using (var progress = new CancelOnLine("room_participants", stop))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => LegacyImporter.ImportAsync(fixture.Legacy, target, progress, progressInPlace: false, stop.Token));
        }

        await using var connection = new MySqlConnection(target);
        var seatsBefore = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM room_participants");
        Assert.Equal(1_000L, seatsBefore);
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM round_choices"));

        var resumed = await LegacyImporter.ImportAsync(fixture.Legacy, target, TextWriter.Null, progressInPlace: false, Ct);
        Assert.Equal(0L, resumed["users"].Written + resumed["rooms"].Written);
        Assert.Equal(seatsBefore, resumed["room_participants"].Skipped[SkipReasons.AlreadyImported]);
        Assert.Equal(fixture.First["room_participants"].Written - seatsBefore, resumed["room_participants"].Written);
        var counts = await connection.QuerySingleAsync<(long Users, long Seats, long Choices, long Consensus, long Ledger)>(
            """
            SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM room_participants), (SELECT COUNT(*) FROM round_choices),
                   (SELECT COUNT(*) FROM consensus_choices), (SELECT COUNT(*) FROM legacy_imports)
            """);
        var first = fixture.CountsAfterFirst;
        Assert.Equal((first["users"], first["room_participants"], first["round_choices"], first["consensus_choices"], first["legacy_imports"]), counts);

        // A participant's choices erased (as a withdrawal erases them) stay erased when the importer runs again.
        var erased = await connection.ExecuteAsync("DELETE FROM round_choices WHERE user_id = (SELECT m FROM (SELECT MIN(user_id) AS m FROM round_choices) x)");
        Assert.True(erased > 0);
        var again = await LegacyImporter.ImportAsync(fixture.Legacy, target, TextWriter.Null, progressInPlace: false, Ct);
        Assert.Equal(0L, again.Tables.Sum(t => t.Written));
        Assert.Equal(first["round_choices"] - erased, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM round_choices"));
    }

    [Fact]
    public async Task The_command_takes_the_original_from_from_and_reports_what_it_did_or_says_how_to_call_it()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var configuration = new ConfigurationBuilder()
            .AddCommandLine(["--from", fixture.Legacy, "--ConnectionStrings:MySql", fixture.Deployment.MySqlConnectionString])
            .Build();
        Assert.Equal(0, await LegacyImportCommand.RunAsync(configuration, output, error, progressInPlace: false, Ct));
        Assert.Contains($"room_participants   1693        0     1693", output.ToString(), StringComparison.Ordinal);
        Assert.Contains($"skipped   1692: {SkipReasons.AlreadyImported}", output.ToString(), StringComparison.Ordinal);
        Assert.Contains($"skipped      1: {SkipReasons.UserMissing}", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("import-legacy: users", error.ToString(), StringComparison.Ordinal);

        using var usage = new StringWriter();
        var withoutFrom = new ConfigurationBuilder().AddCommandLine(["--ConnectionStrings:MySql", fixture.Deployment.MySqlConnectionString]).Build();
        Assert.Equal(LegacyImportCommand.UsageExitCode, await LegacyImportCommand.RunAsync(withoutFrom, TextWriter.Null, usage, progressInPlace: false, Ct));
        Assert.Contains("--from", usage.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_export_of_the_imported_data_equals_the_source_row_for_row()
    {
        var (participants, rooms) = await ExpectedFromSourceAsync();
        var researcher = await ResearchKit.ResearcherAsync(fixture.Client, fixture.Grains, Ct);
        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, "format=xlsx", Ct);

        AssertSheet(participants, workbook.Records("participants"), "room_code", "user_id");
        AssertSheet(rooms, workbook.Records("rooms"), "room_code");
    }

    private static void AssertSheet(List<Dictionary<string, string>> expected, List<Dictionary<string, object?>> actual, params string[] key)
    {
        string Key(IReadOnlyDictionary<string, string> row) => string.Join("|", key.Select(k => row[k]));
        var exported = actual.Select(r => r.ToDictionary(c => c.Key, c => ResearchKit.CanonicalCell(c.Value))).OrderBy(Key, StringComparer.Ordinal).ToList();
        var source = expected.OrderBy(Key, StringComparer.Ordinal).ToList();
        Assert.Equal(source.Count, exported.Count);
        Assert.Equal(source[0].Keys.Order(StringComparer.Ordinal), exported[0].Keys.Order(StringComparer.Ordinal));
        for (var i = 0; i < source.Count; i++)
        {
            foreach (var (column, value) in source[i])
            {
                Assert.True(value == exported[i][column], $"Row {Key(source[i])}, column {column}: the source says '{value}', the export '{exported[i][column]}'.");
            }
        }
    }

    /// <summary>
    /// The export's two sheets as the original's rows say they should read, by SQL on the original and the
    /// original-to-ours id maps (legacy_id); the rules applied are the documented ones: consenting people only,
    /// valid choices only, a guest's name is (guest), an empty nickname is the user's name, started means finished.
    /// </summary>
    private async Task<(List<Dictionary<string, string>> Participants, List<Dictionary<string, string>> Rooms)> ExpectedFromSourceAsync()
    {
        await using var target = new MySqlConnection(fixture.Deployment.MySqlConnectionString);
        var userIds = (await target.QueryAsync<(long Legacy, long Id)>("SELECT legacy_id, id FROM users WHERE legacy_id IS NOT NULL")).ToDictionary(p => p.Legacy, p => p.Id);
        var codes = (await target.QueryAsync<(long Legacy, string Code)>("SELECT legacy_id, room_code FROM rooms WHERE legacy_id IS NOT NULL")).ToDictionary(p => p.Legacy, p => p.Code);

        await using var legacy = new MySqlConnection(fixture.Legacy);
        var seats = (await legacy.QueryAsync<SourceSeat>(
            """
            SELECT p.id AS Id, p.room_id AS RoomId, p.user_id AS UserId, p.role_id AS RoleId, p.nickname AS Nickname, u.username AS Username,
                   u.is_guest AS IsGuest, u.data_consent AS DataConsent, u.voice_consent AS VoiceConsent, u.created_at AS UserCreated
            FROM room_participants p JOIN users u ON u.id = p.user_id
            """)).ToList();
        var rooms = (await legacy.QueryAsync<SourceRoom>("SELECT id AS Id, topic AS Topic, is_started AS IsStarted, created_at AS Created FROM rooms")).ToDictionary(r => r.Id);
        var choices = (await legacy.QueryAsync<SourceAnswer>(
            "SELECT participant_id AS Owner, round_number AS Round, choice AS Choice, confidence AS Confidence FROM round_choices " +
            "WHERE round_number BETWEEN 1 AND 5 AND choice BETWEEN 0 AND 3 AND confidence BETWEEN 1 AND 5"))
            .ToDictionary(c => (c.Owner, c.Round), c => (c.Choice, c.Confidence));
        var consensus = (await legacy.QueryAsync<SourceAnswer>("SELECT room_id AS Owner, round_number AS Round, choice AS Choice, confidence AS Confidence FROM consensus_choices"))
            .ToDictionary(c => (c.Owner, c.Round), c => (c.Choice, c.Confidence));

        var bank = ScenarioBank.LoadEmbedded();
        var participantRows = new List<Dictionary<string, string>>();
        foreach (var seat in seats.Where(s => s.DataConsent))
        {
            var room = rooms[seat.RoomId];
            var userCreated = Time(seat.UserCreated);
            var row = new Dictionary<string, string>
            {
                ["user_id"] = Number(userIds[seat.UserId]),
                ["username"] = seat.IsGuest ? "(guest)" : seat.Username,
                ["is_guest"] = Bool(seat.IsGuest),
                ["is_bot"] = "FALSE",
                ["data_consent"] = "TRUE",
                ["data_consent_version"] = "legacy",
                ["data_consent_at"] = userCreated,
                ["voice_consent"] = Bool(seat.VoiceConsent),
                ["voice_consent_version"] = seat.VoiceConsent ? "legacy" : string.Empty,
                ["voice_consent_at"] = seat.VoiceConsent ? userCreated : string.Empty,
                ["room_code"] = codes[seat.RoomId],
                ["topic"] = room.Topic,
                ["room_phase"] = room.IsStarted ? "finished" : "waiting",
                ["role_id"] = seat.RoleId is { } role ? Number(role) : string.Empty,
                ["role_name"] = seat.RoleId is { } r ? RoomRules.RoleName(r) : string.Empty,
                ["nickname"] = string.IsNullOrEmpty(seat.Nickname) ? seat.Username : seat.Nickname,
                ["joined_at"] = Time(room.Created),
            };
            for (var round = 1; round <= RoomRules.Rounds; round++)
            {
                var own = choices.TryGetValue((seat.Id, round), out var c) ? c : ((int, int)?)null;
                var group = consensus.TryGetValue((seat.RoomId, round), out var k) ? k : ((int, int)?)null;
                row[$"round_{round}_choice"] = own is { } o ? Number(o.Item1) : string.Empty;
                row[$"round_{round}_confidence"] = own is { } p ? Number(p.Item2) : string.Empty;
                row[$"round_{round}_consensus_choice"] = group is { } g ? Number(g.Item1) : string.Empty;
                row[$"round_{round}_consensus_confidence"] = group is { } h ? Number(h.Item2) : string.Empty;
            }

            participantRows.Add(row);
        }

        var roomRows = rooms.Values.Select(room => new Dictionary<string, string>
        {
            ["room_code"] = codes[room.Id],
            ["topic"] = room.Topic,
            ["scenario_id"] = bank.FindByTopic(room.Topic)?.Id ?? string.Empty,
            ["is_public"] = "FALSE",
            ["room_phase"] = room.IsStarted ? "finished" : "waiting",
            ["created_at"] = Time(room.Created),
            ["started_at"] = string.Empty,
            ["finished_at"] = string.Empty,
            ["rounds_completed"] = Number(consensus.Keys.Count(k => k.Owner == room.Id)),
            ["participants"] = Number(seats.Count(s => s.RoomId == room.Id)),
            ["participants_exported"] = Number(seats.Count(s => s.RoomId == room.Id && s.DataConsent)),
            ["session_code"] = string.Empty,
            ["study_label"] = string.Empty,
            ["scenario_sha256"] = string.Empty, // imported rooms have no recorded wording
        }).ToList();
        return (participantRows, roomRows);
    }

    /// <summary>A progress writer that cancels the run once a progress line names <paramref name="table"/>.</summary>
    private sealed class CancelOnLine(string table, CancellationTokenSource stop) : StringWriter(CultureInfo.InvariantCulture)
    {
        public override async Task WriteLineAsync(string? value)
        {
            await base.WriteLineAsync(value);
            if (value is not null && value.Contains(table, StringComparison.Ordinal))
            {
                await stop.CancelAsync();
            }
        }
    }

    private sealed class SourceSeat
    {
        public long Id { get; set; }

        public long RoomId { get; set; }

        public long UserId { get; set; }

        public int? RoleId { get; set; }

        public string? Nickname { get; set; }

        public string Username { get; set; } = string.Empty;

        public bool IsGuest { get; set; }

        public bool DataConsent { get; set; }

        public bool VoiceConsent { get; set; }

        public DateTime UserCreated { get; set; }
    }

    private sealed class SourceRoom
    {
        public long Id { get; set; }

        public string Topic { get; set; } = string.Empty;

        public bool IsStarted { get; set; }

        public DateTime Created { get; set; }
    }

    private sealed class SourceAnswer
    {
        public long Owner { get; set; }

        public int Round { get; set; }

        public int Choice { get; set; }

        public int Confidence { get; set; }
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Bool(bool value) => value ? "TRUE" : "FALSE";

    private static string Time(DateTime value) => value.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
}
