using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Dapper;
using Dilemma.Grains.Research;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Dilemma.Tests.Sessions;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Dilemma.Tests.Research;

/// <summary>
/// The research export and counts through the HTTP API, in both modes: games are played as clients play
/// them, then a researcher downloads the workbook and it is read back with an independent reader. Each test
/// selects its own rooms with a from filter taken when it starts (tests of a class run one at a time).
/// </summary>
public abstract class ResearchExportTests(HttpClient client, IGrainFactory grains)
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The ledger entry of an export: (participant rows, room rows, excluded, participants hash, rooms hash, requested by).</summary>
    protected abstract Task<(long Participants, long Rooms, long Excluded, string ParticipantsSha256, string RoomsSha256, long RequestedBy)?> LedgerAsync(Guid exportId);

    /// <summary>The session and study filters of an export as the ledger's store holds them.</summary>
    protected abstract Task<(string? Session, string? Study)> LedgerFiltersAsync(Guid exportId);

    /// <summary>The counts straight from the store, to hold the counts endpoint to.</summary>
    protected abstract Task<Dictionary<string, long>> StoreCountsAsync();

    [Fact]
    public async Task The_export_of_played_games_opens_as_a_workbook_with_every_acknowledged_choice_exactly_once()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var acknowledged = new Dictionary<(string Room, long User, int Round), (int Choice, int Confidence)>();
        var consensus = new Dictionary<(string Room, int Round), (int Choice, int Confidence)>();

        // Room A: played to the end; its third player never consents; one choice is revised.
        var (a, codeA) = await RoomKit.SeatedRoomAsync(client, Ct);
        await ResearchKit.ConsentAsync(a[0], data: true, Ct, voice: true);
        await ResearchKit.ConsentAsync(a[1], data: true, Ct);
        await HttpAssert.OkAsync<JsonElement>(await a[0].PostAsync($"/rooms/{codeA}/start", null, Ct));
        for (var round = 1; round <= 5; round++)
        {
            await PlayRoundAsync(a, codeA, round, acknowledged, consensus, revise: round == 3);
        }

        // Room B: all consent; two rounds played, the third under way.
        var (b, codeB) = await RoomKit.SeatedRoomAsync(client, Ct);
        foreach (var player in b)
        {
            await ResearchKit.ConsentAsync(player, data: true, Ct);
        }

        await HttpAssert.OkAsync<JsonElement>(await b[0].PostAsync($"/rooms/{codeB}/start", null, Ct));
        await PlayRoundAsync(b, codeB, 1, acknowledged, consensus, revise: false);
        await PlayRoundAsync(b, codeB, 2, acknowledged, consensus, revise: false);
        await ChooseAsync(b[1], codeB, 3, 1, 1, acknowledged);

        var (workbook, response) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);

        Assert.Equal([.. Dilemma.Grains.Interfaces.Research.ExportSheets.All.Select(s => s.Name), "codebook", "manifest"], workbook.SheetNames);
        var participants = workbook.Records("participants");
        Assert.Equal(5, participants.Count);
        Assert.DoesNotContain(participants, r => (double)r["user_id"]! == a[2].UserId);
        Assert.All(new[] { a[0], a[1], b[0], b[1], b[2] }, p => Assert.Single(participants, r => (double)r["user_id"]! == p.UserId));

        // Every acknowledged choice is in its participant's row, and every filled cell is an acknowledged choice.
        foreach (var row in participants)
        {
            var room = (string)row["room_code"]!;
            var user = (long)(double)row["user_id"]!;
            for (var round = 1; round <= 5; round++)
            {
                var expected = acknowledged.TryGetValue((room, user, round), out var mine) ? mine : ((int, int)?)null;
                Assert.Equal(expected?.Item1, AsInt(row[$"round_{round}_choice"]));
                Assert.Equal(expected?.Item2, AsInt(row[$"round_{round}_confidence"]));
                var group = consensus.TryGetValue((room, round), out var agreed) ? agreed : ((int, int)?)null;
                Assert.Equal(group?.Item1, AsInt(row[$"round_{round}_consensus_choice"]));
                Assert.Equal(group?.Item2, AsInt(row[$"round_{round}_consensus_confidence"]));
            }
        }

        var exportedChoices = participants.Sum(r => Enumerable.Range(1, 5).Count(n => r[$"round_{n}_choice"] is not null));
        Assert.Equal(acknowledged.Count(c => c.Key.User != a[2].UserId), exportedChoices);

        // Types: numbers are numbers, booleans booleans, timestamps dates, codes text.
        var host = participants.Single(r => (double)r["user_id"]! == a[0].UserId);
        Assert.IsType<double>(host["role_id"]);
        Assert.Equal("caregiver", host["role_name"]);
        Assert.Equal(true, host["is_guest"]);
        Assert.Equal(true, host["data_consent"]);
        Assert.Equal(true, host["voice_consent"]);
        Assert.Equal("(guest)", host["username"]);
        Assert.Equal(codeA, host["room_code"]);
        Assert.Equal("finished", host["room_phase"]);
        Assert.IsType<DateTime>(host["joined_at"]);
        Assert.InRange((DateTime)host["joined_at"]!, since.UtcDateTime.AddSeconds(-1), DateTime.UtcNow);

        var rooms = workbook.Records("rooms");
        Assert.Equal(new[] { codeA, codeB }.Order(StringComparer.Ordinal), rooms.Select(r => (string)r["room_code"]!));
        Assert.Equal(
            participants.OrderBy(r => (string)r["room_code"]!, StringComparer.Ordinal).ThenBy(r => (double)r["user_id"]!).Select(r => r["user_id"]),
            participants.Select(r => r["user_id"]));
        var roomA = rooms.Single(r => (string)r["room_code"]! == codeA);
        Assert.Equal("finished", roomA["room_phase"]);
        Assert.Equal(5.0, roomA["rounds_completed"]);
        Assert.Equal(3.0, roomA["participants"]);
        Assert.Equal(2.0, roomA["participants_exported"]);
        Assert.IsType<DateTime>(roomA["finished_at"]);
        var roomB = rooms.Single(r => (string)r["room_code"]! == codeB);
        Assert.Equal("started", roomB["room_phase"]);
        Assert.Equal(2.0, roomB["rounds_completed"]);
        Assert.Null(roomB["finished_at"]);

        // The manifest: counts, exclusions, and hashes that a reader recomputes from the sheets.
        var manifest = workbook.Manifest;
        var exportId = Guid.Parse(Assert.Single(response.Headers.GetValues("X-Export-Id")));
        Assert.Equal(exportId.ToString("D"), manifest["export_id"]);
        Assert.Equal(5.0, manifest["participants_rows"]);
        Assert.Equal(2.0, manifest["rooms_rows"]);
        Assert.Equal((double)(workbook["codebook"].Count - 1), manifest["codebook_rows"]);
        Assert.Equal(1.0, manifest["excluded_participants"]);
        Assert.Equal("dilemma-export-rows-v1", manifest["canonical_form"]);
        var participantsHash = ResearchKit.CanonicalHash(workbook["participants"], workbook["participants"][0].Length);
        var roomsHash = ResearchKit.CanonicalHash(workbook["rooms"], workbook["rooms"][0].Length);
        Assert.Equal(participantsHash, manifest["participants_sha256"]);
        Assert.Equal(roomsHash, manifest["rooms_sha256"]);

        // Header rows are frozen on every sheet.
        for (var sheet = 1; sheet <= 4; sheet++)
        {
            var xml = workbook.SheetXml(sheet);
            Assert.Contains("state=\"frozen\"", xml, StringComparison.Ordinal);
            Assert.Contains("ySplit=\"1\"", xml, StringComparison.Ordinal);
        }

        // The codebook explains every column of both data sheets and the role codes.
        var codebook = workbook.Records("codebook");
        Assert.All(workbook["participants"][0], column => Assert.Contains(codebook, c => (string)c["sheet"]! == "participants" && (string)c["column"]! == (string)column!));
        Assert.All(workbook["rooms"][0], column => Assert.Contains(codebook, c => (string)c["sheet"]! == "rooms" && (string)c["column"]! == (string)column!));
        Assert.Contains(codebook, c => (string)c["column"]! == "role_id" && (string?)c["code"] == "3" && ((string)c["meaning"]!).Contains("ai_developer", StringComparison.Ordinal));
        Assert.Contains(codebook, c => (string)c["column"]! == "round_1_choice, round_1_consensus_choice" && (string?)c["topic"] == RoomKit.Topic);

        // The ledger has the same export.
        var ledger = await LedgerAsync(exportId);
        Assert.Equal((5L, 2L, 1L, participantsHash, roomsHash, researcher.UserId), ledger);
    }

    [Fact]
    public async Task Csv_gives_the_participant_sheet_with_a_bom_and_the_same_rows_and_hash()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var (players, code) = await RoomKit.SeatedRoomAsync(client, Ct);
        foreach (var player in players)
        {
            await ResearchKit.ConsentAsync(player, data: true, Ct);
        }

        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        await RoomKit.PlayRoundAsync(players, code, 1, Ct);

        var response = await researcher.GetAsync($"{ResearchKit.Export}?format=csv&from={ResearchKit.Query(since)}", Ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Equal(Encoding.UTF8.Preamble.ToArray(), bytes[..3]);
        var rows = ResearchKit.ParseCsv(Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3));
        Assert.Equal(4, rows.Count);
        Assert.Equal("user_id", rows[0][0]);
        Assert.All(players, p => Assert.Single(rows, r => r[0] == p.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.All(rows.Skip(1), r => Assert.Equal(code, r[Array.IndexOf(rows[0], "room_code")]));
        Assert.All(rows.Skip(1), r => Assert.Equal("TRUE", r[Array.IndexOf(rows[0], "is_guest")]));

        var exportId = Guid.Parse(Assert.Single(response.Headers.GetValues("X-Export-Id")));
        var ledger = await LedgerAsync(exportId);
        var hash = ResearchKit.CanonicalHash(rows.Select(r => r.Select(c => (object?)(c.Length == 0 ? null : c)).ToList()), rows[0].Length);
        Assert.Equal(hash, ledger?.ParticipantsSha256);
        Assert.Equal(3, ledger?.Participants);
    }

    /// <summary>
    /// The guard's apostrophe is taken off again to check a CSV file's hash. Text that starts with an apostrophe of its own
    /// gets one more: without it, a nickname '=1+2 and a nickname =1+2 were both written '=1+2, and the first no longer
    /// hashed to its ledger entry once the guard was undone.
    /// </summary>
    [Fact]
    public async Task Csv_text_starting_with_an_apostrophe_is_guarded_too_so_undoing_the_guard_gives_the_hashed_rows()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var host = await RoomKit.GuestAsync(client, Ct);
        await ResearchKit.ConsentAsync(host, data: true, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));
        string[] nicknames = ["'=1+2", "=1+2"];
        foreach (var nickname in nicknames)
        {
            var player = await RoomKit.GuestAsync(client, Ct);
            await ResearchKit.ConsentAsync(player, data: true, Ct);
            await HttpAssert.OkAsync<JsonElement>(await player.PostAsync("/rooms/join", new { room_code = code, nickname }, Ct));
        }

        var response = await researcher.GetAsync($"{ResearchKit.Export}?format=csv&include_nicknames=true&from={ResearchKit.Query(since)}", Ct);
        var text = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var rows = ResearchKit.ParseCsv(text.TrimStart('\uFEFF'));
        var nicknameColumn = Array.IndexOf(rows[0], "nickname");
        Assert.Equal(["''=1+2", "'=1+2"], rows.Skip(1).Select(r => r[nicknameColumn]).Where(n => n.StartsWith('\'')).Order(StringComparer.Ordinal));

        // One apostrophe off where the guard put one (before = + - @, a tab, a carriage return or an apostrophe): the rows hashed.
        static object? Unguarded(string cell) =>
            cell.Length == 0 ? null : cell.Length > 1 && cell[0] == '\'' && cell[1] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\'' ? cell[1..] : cell;
        var hash = ResearchKit.CanonicalHash(rows.Select(r => r.Select(Unguarded).ToList()), rows[0].Length);
        var ledger = await LedgerAsync(Guid.Parse(Assert.Single(response.Headers.GetValues("X-Export-Id"))));
        Assert.Equal(hash, ledger?.ParticipantsSha256);
    }

    [Fact]
    public async Task The_ledger_says_which_sheet_a_csv_export_handed_out()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var (players, _) = await RoomKit.StartedRoomAsync(client, Ct);
        await ResearchKit.ConsentAsync(players[0], data: true, Ct);
        var to = DateTimeOffset.UtcNow.AddSeconds(1);

        async Task<JsonElement> EntryAsync(string query)
        {
            using var response = await researcher.GetAsync($"{ResearchKit.Export}?from={ResearchKit.Query(since)}&to={ResearchKit.Query(to)}{query}", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsByteArrayAsync(Ct);
            var exportId = Assert.Single(response.Headers.GetValues("X-Export-Id"));
            return await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync($"{ResearchKit.Ledger}/{exportId}", Ct));
        }

        var participants = await EntryAsync("&format=csv");
        var rooms = await EntryAsync("&format=csv&sheet=rooms");
        var decisions = await EntryAsync("&format=csv&sheet=decisions");
        var workbook = await EntryAsync(string.Empty);

        // Both csv files read the same two sheets of the same rooms: their sheets, counts and hashes agree, and only csv_sheet says which left.
        Assert.Equal(participants.GetProperty("sheets").ToString(), rooms.GetProperty("sheets").ToString());
        Assert.Equal(1, participants.GetProperty("rooms_rows").GetInt64());
        Assert.Equal("participants", participants.GetProperty("csv_sheet").GetString());
        Assert.Equal("rooms", rooms.GetProperty("csv_sheet").GetString());
        Assert.Equal("decisions", decisions.GetProperty("csv_sheet").GetString());
        Assert.Equal(JsonValueKind.Null, workbook.GetProperty("csv_sheet").ValueKind);
    }

    [Fact]
    public async Task A_bots_seat_is_exported_marked_is_bot_with_its_choices()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var host = await RoomKit.GuestAsync(client, Ct);
        await ResearchKit.ConsentAsync(host, data: true, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct, isPublic: false));
        await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/{code}/bots", new { bots = 2 }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/assign-roles/{code}", new { }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/{code}/start", null, Ct));
        await RoomKit.PlayRoundAsync([host], code, 1, Ct);

        var response = await researcher.GetAsync($"{ResearchKit.Export}?format=csv&from={ResearchKit.Query(since)}", Ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = ResearchKit.ParseCsv(Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3));
        var header = rows[0];
        string Cell(string[] row, string column) => row[Array.IndexOf(header, column)];
        var seats = rows.Skip(1).Where(r => Cell(r, "room_code") == code).ToList();
        Assert.Equal(3, seats.Count);
        var person = Assert.Single(seats, r => Cell(r, "is_bot") == "FALSE");
        Assert.Equal(host.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture), Cell(person, "user_id"));
        Assert.Equal("TRUE", Cell(person, "data_consent"));
        var bots = seats.Where(r => Cell(r, "is_bot") == "TRUE").ToList();
        Assert.Equal(2, bots.Count);
        Assert.All(bots, r => Assert.Equal("FALSE", Cell(r, "data_consent")));
        Assert.All(bots, r => Assert.NotEqual(string.Empty, Cell(r, "round_1_choice")));

        // Counting the sheet's guests must count people: a bot's account row is a guest's, but no guest played it.
        Assert.Equal(("TRUE", "(guest)"), (Cell(person, "is_guest"), Cell(person, "username")));
        Assert.All(bots, r => Assert.Equal(("FALSE", string.Empty), (Cell(r, "is_guest"), Cell(r, "username"))));
    }

    [Fact]
    public async Task Filters_select_rooms_by_creation_time_topic_and_phase()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var (started, startedCode) = await RoomKit.SeatedRoomAsync(client, Ct, topic: "care-robot-monitoring");
        await ResearchKit.ConsentAsync(started[0], data: true, Ct);
        await HttpAssert.OkAsync<JsonElement>(await started[0].PostAsync($"/rooms/{startedCode}/start", null, Ct));
        await Task.Delay(50, Ct);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(50, Ct);
        var (waiting, waitingCode) = await RoomKit.SeatedRoomAsync(client, Ct, topic: "emotion-recognition");
        await ResearchKit.ConsentAsync(waiting[0], data: true, Ct);

        async Task<string[]> RoomsAsync(string query)
        {
            var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}&{query}", Ct);
            var fromRooms = workbook.Records("rooms").Select(r => (string)r["room_code"]!).Order(StringComparer.Ordinal).ToArray();
            var fromParticipants = workbook.Records("participants").Select(r => (string)r["room_code"]!).Distinct().Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(fromRooms, fromParticipants);
            return fromRooms;
        }

        Assert.Equal(new[] { startedCode, waitingCode }.Order(StringComparer.Ordinal), await RoomsAsync("format=xlsx"));
        Assert.Equal([waitingCode], await RoomsAsync("topic=emotion-recognition"));
        Assert.Empty(await RoomsAsync("topic=Emotion-Recognition")); // exact, as creation takes a topic
        Assert.Equal([startedCode], await RoomsAsync("phase=started"));
        Assert.Equal([waitingCode], await RoomsAsync("phase=waiting&topic=emotion-recognition"));
        Assert.Empty(await RoomsAsync("phase=finished"));
        Assert.Equal([startedCode], await RoomsAsync($"to={ResearchKit.Query(between)}"));
        var (later, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(between)}", Ct);
        Assert.Equal([waitingCode], later.Records("rooms").Select(r => (string)r["room_code"]!));
        Assert.Null(later.Manifest["filter_topic"]);
        Assert.IsType<DateTime>(later.Manifest["filter_from"]);
    }

    [Fact]
    public async Task Session_and_study_filters_select_the_rooms_a_session_opened_and_the_ledger_records_them()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var studyA = "study-" + Guid.NewGuid().ToString("N")[..8];
        var studyB = "study-" + Guid.NewGuid().ToString("N")[..8];
        async Task<(string Code, string Room)> SessionAsync(string study)
        {
            var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, studyLabel: study));
            await SessionKit.EnrolledAsync(client, code, 3, Ct);
            var room = Assert.Single(SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))).GetProperty("room_code").GetString()!;
            return (code, room);
        }

        var (sessionA1, roomA1) = await SessionAsync(studyA);
        var (_, roomA2) = await SessionAsync(studyA);
        var (sessionB, roomB) = await SessionAsync(studyB);
        var (byHand, byHandCode) = await RoomKit.SeatedRoomAsync(client, Ct);
        await ResearchKit.ConsentAsync(byHand[0], data: true, Ct);

        async Task<(string[] Rooms, Workbook Workbook, string ExportId)> RoomsAsync(string query)
        {
            var (workbook, response) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}&{query}", Ct);
            var fromRooms = workbook.Records("rooms").Select(r => (string)r["room_code"]!).Order(StringComparer.Ordinal).ToArray();
            var fromParticipants = workbook.Records("participants").Select(r => (string)r["room_code"]!).Distinct().Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(fromRooms, fromParticipants);
            return (fromRooms, workbook, Assert.Single(response.Headers.GetValues("X-Export-Id")));
        }

        var (everyRoom, whole, _) = await RoomsAsync("format=xlsx");
        Assert.Equal(new[] { roomA1, roomA2, roomB, byHandCode }.Order(StringComparer.Ordinal), everyRoom);

        // An export of them all still says which class and which study each room was played in: the nesting a study's
        // analysis needs, which the filters alone gave only one export per session.
        var sessions = whole.Records("rooms").ToDictionary(r => (string)r["room_code"]!, r => ((string?)r["session_code"], (string?)r["study_label"]));
        Assert.Equal((sessionA1, studyA), sessions[roomA1]);
        Assert.Equal((sessionB, studyB), sessions[roomB]);
        Assert.Equal(((string?)null, (string?)null), sessions[byHandCode]);
        Assert.Equal([roomA1], (await RoomsAsync($"session={sessionA1.ToLowerInvariant()}")).Rooms);
        Assert.Equal(new[] { roomA1, roomA2 }.Order(StringComparer.Ordinal), (await RoomsAsync($"study={studyA}")).Rooms);
        Assert.Empty((await RoomsAsync($"study={studyA}&session={sessionB}")).Rooms);
        var (rooms, workbook, exportId) = await RoomsAsync($"study={studyB}&session={sessionB}");
        Assert.Equal([roomB], rooms);
        Assert.Equal(3, workbook.Records("participants").Count);
        Assert.Equal(sessionB, workbook.Manifest["filter_session"]);
        Assert.Equal(studyB, workbook.Manifest["filter_study"]);
        var entry = await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync($"{ResearchKit.Ledger}/{exportId}", Ct));
        Assert.Equal(sessionB, entry.GetProperty("filter_session").GetString());
        Assert.Equal(studyB, entry.GetProperty("filter_study").GetString());
        var ledger = await LedgerFiltersAsync(Guid.Parse(exportId));
        Assert.Equal((sessionB, studyB), ledger);
    }

    [Theory]
    [InlineData("session=ABC", HttpStatusCode.BadRequest, "invalid_filter")]
    [InlineData("session=0000000000", HttpStatusCode.BadRequest, "invalid_filter")]
    [InlineData("study=", HttpStatusCode.BadRequest, "invalid_filter")]
    [InlineData("study=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", HttpStatusCode.BadRequest, "invalid_filter")]
    public async Task Bad_session_or_study_filters_get_a_problem_naming_the_field(string query, HttpStatusCode status, string code)
    {
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var problem = await HttpAssert.ProblemAsync(await researcher.GetAsync($"{ResearchKit.Export}?{query}", Ct), status, code);
        Assert.Equal(query[..query.IndexOf('=', StringComparison.Ordinal)], problem.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("from=0001-01-01")]
    [InlineData("to=1899-12-31T23:59:59Z")]
    [InlineData("from=03/04/2026")]
    [InlineData("to=10:00")]
    [InlineData("from=2026-11-01%2009:00")]
    [InlineData("to=2026-11-01T09:00:00.")]
    public async Task A_time_filter_that_is_not_iso_8601_or_before_1900_gets_invalid_filter_naming_it(string query)
    {
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var problem = await HttpAssert.ProblemAsync(await researcher.GetAsync($"{ResearchKit.Export}?{query}", Ct), HttpStatusCode.BadRequest, "invalid_filter");
        Assert.Equal(query[..query.IndexOf('=', StringComparison.Ordinal)], problem.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("exports?page=x", "page", "int")]
    [InlineData("export/excel?include_nicknames=yes", "include_nicknames", "bool")]
    public async Task A_query_value_not_of_its_type_gets_400_naming_the_parameter(string pathAndQuery, string field, string type)
    {
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);

        var problem = await HttpAssert.ProblemAsync(await researcher.GetAsync($"/research/experiments/{pathAndQuery}", Ct), HttpStatusCode.BadRequest, "malformed_request");

        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Equal($"{field} is not a valid {type}.", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("2026-11-01", "2026-11-01T00:00:00")]
    [InlineData("2026-11-01T09:00", "2026-11-01T09:00:00")]
    [InlineData("2026-11-01T09:00:00%2B09:00", "2026-11-01T00:00:00")]
    [InlineData("2026-11-01T09:00:00.123Z", "2026-11-01T09:00:00.123")]
    public async Task Iso_8601_dates_and_date_times_are_taken_as_utc_unless_they_give_an_offset(string from, string utc)
    {
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={from}&to=2026-11-02", Ct);
        Assert.Equal(DateTime.Parse(utc, CultureInfo.InvariantCulture), workbook.Manifest["filter_from"]);
    }

    [Theory]
    [InlineData("phase=over", HttpStatusCode.UnprocessableEntity, "invalid_filter")]
    [InlineData("from=last-tuesday", HttpStatusCode.BadRequest, "invalid_filter")]
    [InlineData("to=2026-13-45", HttpStatusCode.BadRequest, "invalid_filter")]
    [InlineData("from=2026-12-01&to=2026-11-01", HttpStatusCode.UnprocessableEntity, "invalid_filter")]
    [InlineData("format=pdf", HttpStatusCode.UnprocessableEntity, "invalid_format")]
    public async Task Bad_filters_get_a_problem_before_any_download(string query, HttpStatusCode status, string code)
    {
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        await HttpAssert.ProblemAsync(await researcher.GetAsync($"{ResearchKit.Export}?{query}", Ct), status, code);
    }

    [Fact]
    public async Task The_ledger_entry_of_an_export_has_the_counts_hashes_and_filters_of_its_manifest()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var (players, code) = await RoomKit.SeatedRoomAsync(client, Ct);
        await ResearchKit.ConsentAsync(players[0], data: true, Ct);
        await ResearchKit.ConsentAsync(players[1], data: true, Ct);
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        await RoomKit.PlayRoundAsync(players, code, 1, Ct);

        var (workbook, response) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}&topic={RoomKit.Topic}", Ct);
        var exportId = Assert.Single(response.Headers.GetValues("X-Export-Id"));
        var entry = await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync($"{ResearchKit.Ledger}/{exportId}", Ct));

        // Every key the manifest and the ledger share has the same value in both.
        var manifest = workbook.Manifest;
        Assert.Equal(exportId, entry.GetProperty("export_id").GetString());
        Assert.Equal(manifest["export_id"], entry.GetProperty("export_id").GetString());
        foreach (var key in new[] { "participants_rows", "rooms_rows", "excluded_participants", "erasures", "erased_rows" })
        {
            Assert.Equal((double)manifest[key]!, entry.GetProperty(key).GetInt64());
        }

        foreach (var key in new[] { "participants_sha256", "rooms_sha256", "canonical_form", "requested_by", "format", "filter_topic" })
        {
            Assert.Equal((string)manifest[key]!, entry.GetProperty(key).GetString());
        }

        Assert.Equal(2L, entry.GetProperty("participants_rows").GetInt64());
        Assert.Equal(1L, entry.GetProperty("excluded_participants").GetInt64());
        Assert.Equal(ResearchKit.CanonicalHash(workbook["participants"], workbook["participants"][0].Length), entry.GetProperty("participants_sha256").GetString());
        Assert.Equal(researcher.UserId, entry.GetProperty("requested_by_user_id").GetInt64());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("filter_to").ValueKind);
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("filter_phase").ValueKind);

        // Times agree to the millisecond, the precision of the manifest's date cells.
        foreach (var key in new[] { "started_at", "completed_at", "filter_from" })
        {
            var difference = (DateTime)manifest[key]! - entry.GetProperty(key).GetDateTimeOffset().UtcDateTime;
            Assert.True(Math.Abs(difference.TotalMilliseconds) <= 1, $"{key} differs by {difference.TotalMilliseconds} ms");
        }
    }

    [Fact]
    public async Task The_ledger_lists_exports_most_recent_first_in_pages()
    {
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var future = ResearchKit.Query(DateTimeOffset.UtcNow.AddYears(1));
        var (_, first) = await ResearchKit.DownloadAsync(researcher, $"from={future}", Ct);
        var (_, second) = await ResearchKit.DownloadAsync(researcher, $"from={future}&format=xlsx", Ct);
        var ids = new[] { second, first }.Select(r => Assert.Single(r.Headers.GetValues("X-Export-Id"))).ToArray();

        var page = await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync($"{ResearchKit.Ledger}?page_size=1", Ct));
        Assert.Equal(ids[0], Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("export_id").GetString());
        Assert.Equal(1, page.GetProperty("page").GetInt32());
        Assert.Equal(1, page.GetProperty("page_size").GetInt32());
        var total = page.GetProperty("total").GetInt64();
        Assert.True(total >= 2, $"total is {total}");

        var next = await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync($"{ResearchKit.Ledger}?page=2&page_size=1", Ct));
        Assert.Equal(ids[1], Assert.Single(next.GetProperty("items").EnumerateArray()).GetProperty("export_id").GetString());

        var beyond = await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync($"{ResearchKit.Ledger}?page={total + 1}&page_size=1", Ct));
        Assert.Empty(beyond.GetProperty("items").EnumerateArray());
        Assert.Equal(total, beyond.GetProperty("total").GetInt64());

        var whole = await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync(ResearchKit.Ledger, Ct));
        Assert.Equal(20, whole.GetProperty("page_size").GetInt32());
        Assert.Equal(ids, whole.GetProperty("items").EnumerateArray().Take(2).Select(e => e.GetProperty("export_id").GetString()));
    }

    [Theory]
    [InlineData("/not-a-uuid", HttpStatusCode.BadRequest, "invalid_export_id", "export_id")]
    [InlineData("/7c2a64c5-0000-4000-8000-000000000000", HttpStatusCode.NotFound, "export_not_found", null)]
    [InlineData("?page=0", HttpStatusCode.UnprocessableEntity, "invalid_page", "page")]
    [InlineData("?page_size=101", HttpStatusCode.UnprocessableEntity, "invalid_page_size", "page_size")]
    public async Task Ledger_reads_of_a_malformed_or_unknown_export_get_a_problem(string suffix, HttpStatusCode status, string code, string? field)
    {
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var problem = await HttpAssert.ProblemAsync(await researcher.GetAsync(ResearchKit.Ledger + suffix, Ct), status, code);
        if (field is not null)
        {
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task Only_researchers_may_export_count_or_read_the_ledger()
    {
        var guest = await RoomKit.GuestAsync(client, Ct);
        var registered = await client.RegisterAsync(AuthClient.UniqueName("r"), "password-123", Ct);
        var member = new Player(client, registered);
        foreach (var path in new[] { ResearchKit.Export, ResearchKit.Counts, ResearchKit.Ledger, $"{ResearchKit.Ledger}/{Guid.NewGuid():D}" })
        {
            await HttpAssert.ProblemAsync(await client.GetAsync(path, Ct), HttpStatusCode.Unauthorized, "missing_token");
            await HttpAssert.ProblemAsync(await guest.GetAsync(path, Ct), HttpStatusCode.Forbidden, "forbidden");
            await HttpAssert.ProblemAsync(await member.GetAsync(path, Ct), HttpStatusCode.Forbidden, "forbidden");
        }
    }

    [Fact]
    public async Task Counts_match_the_tables_and_never_count_a_bot_as_a_person()
    {
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
        await RoomKit.PlayRoundAsync(players, code, 1, Ct);

        // A host playing with two bots: bots are guest-like account rows, and a study counting its guests must not count them.
        var host = await RoomKit.GuestAsync(client, Ct);
        var botRoom = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));
        await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/{botRoom}/bots", new { bots = 2 }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/assign-roles/{botRoom}", new { }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/{botRoom}/start", null, Ct));
        await RoomKit.WithBotChoicesAsync(host, botRoom, 2, Ct);

        var counts = await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync(ResearchKit.Counts, Ct));
        var store = await StoreCountsAsync();

        Assert.True(store["bots"] >= 2 && store["bot_seats"] >= 2 && store["bot_choices"] >= 2, $"bots {store["bots"]}, seats {store["bot_seats"]}, choices {store["bot_choices"]}");
        Assert.Equal(store["users"] - store["bots"], counts.GetProperty("users").GetInt64());
        Assert.Equal(store["guests"] - store["bots"], counts.GetProperty("guests").GetInt64());
        Assert.Equal(store["users"] - store["guests"], counts.GetProperty("registered_users").GetInt64());
        Assert.Equal(store["bots"], counts.GetProperty("bots").GetInt64());
        Assert.Equal(store["bot_seats"], counts.GetProperty("bot_seats").GetInt64());
        Assert.Equal(store["bot_choices"], counts.GetProperty("bot_round_choices").GetInt64());
        var rooms = counts.GetProperty("rooms");
        Assert.Equal(store["waiting"], rooms.GetProperty("waiting").GetInt64());
        Assert.Equal(store["started"], rooms.GetProperty("started").GetInt64());
        Assert.Equal(store["finished"], rooms.GetProperty("finished").GetInt64());
        Assert.Equal(store["waiting"] + store["started"] + store["finished"], rooms.GetProperty("total").GetInt64());
        Assert.Equal(store["participants"], counts.GetProperty("participants").GetInt64());
        Assert.Equal(store["choices"], counts.GetProperty("round_choices").GetInt64());
        Assert.Equal(store["consensus"], counts.GetProperty("consensus_choices").GetInt64());
        Assert.True(counts.GetProperty("round_choices").GetInt64() >= 3);
        Assert.Equal(0, counts.GetProperty("recording_events").GetInt64());
    }

    private static int? AsInt(object? cell) => cell is double d ? (int)d : null;

    private static async Task ChooseAsync(Player player, string code, int round, int choice, int confidence, Dictionary<(string, long, int), (int, int)> acknowledged)
    {
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(player, code, round, choice, confidence, Ct), HttpStatusCode.Created);
        acknowledged[(code, player.UserId, round)] = (choice, confidence);
    }

    private static async Task PlayRoundAsync(
        Player[] players,
        string code,
        int round,
        Dictionary<(string, long, int), (int, int)> acknowledged,
        Dictionary<(string, int), (int, int)> consensus,
        bool revise)
    {
        for (var i = 0; i < players.Length; i++)
        {
            // Every round has at least two options; choices stay within them.
            await ChooseAsync(players[i], code, round, (round + i) % 2, 1 + ((round + (2 * i)) % 5), acknowledged);
        }

        if (revise)
        {
            await ChooseAsync(players[1], code, round, 1 - ((round + 1) % 2), 5, acknowledged);
        }

        var agreed = (round % 2, 1 + (round % 5));
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, round, agreed.Item1, agreed.Item2, Ct), HttpStatusCode.Created);
        consensus[(code, round)] = agreed;
    }
}

public sealed class ClusterResearchExportTests(ClusterGatewayFixture cluster)
    : ResearchExportTests(cluster.Client, cluster.Grains), IClassFixture<ClusterGatewayFixture>
{
    protected override async Task<(long Participants, long Rooms, long Excluded, string ParticipantsSha256, string RoomsSha256, long RequestedBy)?> LedgerAsync(Guid exportId)
    {
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        return await connection.QuerySingleOrDefaultAsync<(long, long, long, string, string, long)?>(
            """
            SELECT participant_rows, room_rows, excluded_participants, participants_sha256, rooms_sha256, requested_by
            FROM research_exports WHERE export_id = @id
            """,
            new { id = exportId.ToString("D") });
    }

    protected override async Task<(string? Session, string? Study)> LedgerFiltersAsync(Guid exportId)
    {
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        return await connection.QuerySingleAsync<(string?, string?)>(
            "SELECT filter_session, filter_study FROM research_exports WHERE export_id = @id",
            new { id = exportId.ToString("D") });
    }

    protected override async Task<Dictionary<string, long>> StoreCountsAsync()
    {
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var row = await connection.QuerySingleAsync(
            """
            SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM users WHERE is_guest) AS guests,
                   (SELECT COUNT(*) FROM users WHERE is_bot) AS bots,
                   (SELECT COUNT(*) FROM room_participants p JOIN users u ON u.id = p.user_id WHERE p.left_at IS NULL AND u.is_bot) AS bot_seats,
                   (SELECT COUNT(*) FROM round_choices c JOIN users u ON u.id = c.user_id WHERE u.is_bot) AS bot_choices,
                   (SELECT COUNT(*) FROM rooms WHERE status = 'waiting') AS waiting, (SELECT COUNT(*) FROM rooms WHERE status = 'started') AS started,
                   (SELECT COUNT(*) FROM rooms WHERE status = 'finished') AS finished,
                   (SELECT COUNT(*) FROM room_participants WHERE left_at IS NULL) AS participants,
                   (SELECT COUNT(*) FROM round_choices) AS choices, (SELECT COUNT(*) FROM consensus_choices) AS consensus
            """);
        return ((IDictionary<string, object>)row).ToDictionary(p => p.Key, p => Convert.ToInt64(p.Value, System.Globalization.CultureInfo.InvariantCulture));
    }
}

public sealed class EmbeddedResearchExportTests(EmbeddedGatewayFixture gateway)
    : ResearchExportTests(gateway.Client, gateway.Grains), IClassFixture<EmbeddedGatewayFixture>
{
    protected override Task<(long Participants, long Rooms, long Excluded, string ParticipantsSha256, string RoomsSha256, long RequestedBy)?> LedgerAsync(Guid exportId)
    {
        var entry = gateway.Factory.Services.GetRequiredService<InMemoryExportLedger>().Ledger.SingleOrDefault(e => e.ExportId == exportId);
        return Task.FromResult(entry is null
            ? ((long, long, long, string, string, long)?)null
            : (entry.ParticipantRows, entry.RoomRows, entry.ExcludedParticipants, entry.ParticipantsSha256, entry.RoomsSha256, entry.RequestedBy));
    }

    protected override Task<(string? Session, string? Study)> LedgerFiltersAsync(Guid exportId)
    {
        var entry = gateway.Factory.Services.GetRequiredService<InMemoryExportLedger>().Ledger.Single(e => e.ExportId == exportId);
        return Task.FromResult((entry.Filter.SessionCode, entry.Filter.StudyLabel));
    }

    protected override async Task<Dictionary<string, long>> StoreCountsAsync()
    {
        var rooms = gateway.Factory.Services.GetRequiredService<InMemoryResearchStore>().SnapshotRooms();
        var accounts = gateway.Factory.Services.GetRequiredService<Dilemma.Grains.Accounts.InMemoryAccountStore>();
        var (users, guests, _) = accounts.CountUsers();

        // Every bot account is made for a seat, so the seated ones are all of them.
        var bots = new HashSet<long>();
        foreach (var userId in rooms.SelectMany(r => r.Seats).Select(s => s.UserId).Distinct())
        {
            if (await accounts.FindByIdAsync(userId, Ct) is { IsBot: true })
            {
                bots.Add(userId);
            }
        }

        long Phase(string status) => rooms.Count(r => (r.Progress?.Status ?? RoomStatus.Waiting) == status);
        return new Dictionary<string, long>
        {
            ["users"] = users,
            ["guests"] = guests,
            ["bots"] = bots.Count,
            ["bot_seats"] = rooms.Sum(r => r.Seats.Count(s => bots.Contains(s.UserId))),
            ["bot_choices"] = rooms.Sum(r => r.Choices.Count(c => bots.Contains(c.UserId))),
            ["waiting"] = Phase(RoomStatus.Waiting),
            ["started"] = Phase(RoomStatus.Started),
            ["finished"] = Phase(RoomStatus.Finished),
            ["participants"] = rooms.Sum(r => r.Seats.Count),
            ["choices"] = rooms.Sum(r => r.Choices.Count),
            ["consensus"] = rooms.Sum(r => r.Consensus.Count),
        };
    }
}
