using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Dapper;
using Dilemma.Grains.Accounts;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Sessions;
using Dilemma.Grains.Research;
using Dilemma.Grains.Storage;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Dilemma.Tests.Research;

/// <summary>
/// The long-format sheets in both modes: a game is played (with a revision and a participant without consent), events
/// the game cannot yet produce through the API here (a time-out, a round without consensus, a recording, a link report,
/// a facilitator action) are written through the store, and each sheet is compared row by row with the store's rows.
/// </summary>
public abstract class ExportSheetsTests(HttpClient client, IGrainFactory grains)
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Writes the rows a game of these tests does not produce through the API.</summary>
    protected abstract Task WriteEventsAsync(string room, long consenting, long withoutConsent, long facilitator, DateTime at);

    /// <summary>Everything stored about these rooms, read straight from the store.</summary>
    protected abstract Task<Stored> ReadStoredAsync(IReadOnlyList<string> rooms);

    /// <summary>Writes one room event through the store, as the room grain would.</summary>
    protected abstract Task RecordRoomEventAsync(RoomEventRecord roomEvent);

    [Fact]
    public async Task Ms_since_round_opened_is_the_difference_of_the_times_the_sheets_show()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
        await ResearchKit.ConsentAsync(players[1], data: true, Ct);

        // Round 1 closes without consensus 0.9 ms past a millisecond, and the seat is absent from round 2 0.1 ms past a
        // later one: 14.2 ms apart as stored, 15 ms apart as the consensus and decisions sheets show the two times.
        var millisecond = ExportValue.ToExportTime(DateTime.UtcNow);
        await RecordRoomEventAsync(new RoomEventRecord(code, RoomEventType.NoConsensus, null, 1, null, false, millisecond.AddTicks(59_000)));
        await RecordRoomEventAsync(new RoomEventRecord(code, RoomEventType.Absent, players[1].UserId, 2, null, false, millisecond.AddTicks(201_000)));

        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);
        var opened = (DateTime)Assert.Single(workbook.Records("consensus"), c => (string)c["room_code"]! == code && (double)c["round"]! == 1)["at"]!;
        var absent = Assert.Single(workbook.Records("decisions"), d => (string)d["room_code"]! == code && (string)d["status"]! == "absent");
        Assert.Equal(((DateTime)absent["at"]! - opened).TotalMilliseconds, (double)absent["ms_since_round_opened"]!);
        Assert.Equal(15d, absent["ms_since_round_opened"]);
    }

    /// <summary>
    /// A room shown created at .000 is before a from of .0001 and before a to of .0001, as the sheets show it, whatever
    /// fraction of the millisecond it was stored with (compared as stored, it was after both unless stored at exactly .000).
    /// </summary>
    [Fact]
    public async Task From_and_to_finer_than_a_millisecond_select_by_the_created_at_the_sheets_show()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
        await ResearchKit.ConsentAsync(players[1], data: true, Ct);
        var (all, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);
        var shown = new DateTimeOffset(DateTime.SpecifyKind((DateTime)Assert.Single(all.Records("rooms"), r => (string)r["room_code"]! == code)["created_at"]!, DateTimeKind.Utc));
        var justAfter = shown.AddTicks(1_000);

        var (after, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(justAfter)}", Ct);
        Assert.DoesNotContain(after.Records("rooms"), r => (string)r["room_code"]! == code);
        var (before, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}&to={ResearchKit.Query(justAfter)}", Ct);
        Assert.Contains(before.Records("rooms"), r => (string)r["room_code"]! == code);
    }

    [Fact]
    public async Task A_pause_of_the_whole_session_is_on_the_facilitator_actions_of_every_room_it_stopped()
    {
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var facilitator = await Sessions.SessionKit.FacilitatorAsync(client, grains, Ct);
        var session = Sessions.SessionKit.Code(await Sessions.SessionKit.CreateAsync(facilitator, Ct));
        var students = await Sessions.SessionKit.EnrolledAsync(client, session, 3, Ct);
        var room = Sessions.SessionKit.Rooms(await Sessions.SessionKit.StartAsync(facilitator, session, Ct))[0].GetProperty("room_code").GetString()!;

        // Round 1's decisions wait out a room's own pause and then the whole session's: the export must show both, or the
        // decision times (ms_since_round_opened) read as deliberation.
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{session}/rooms/{room}/pause", new { reason = "too loud" }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{session}/rooms/{room}/resume", null, Ct));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{session}/pause", null, Ct));
        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(students[0], room, 1, 0, 3, Ct), HttpStatusCode.Conflict, "room_paused");
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{session}/resume", null, Ct));
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(students[0], room, 1, 0, 3, Ct), HttpStatusCode.Created);

        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"session={session}", Ct);
        var actions = workbook.Records("facilitator_actions");
        Assert.Equal(
            [("pause_room", "too loud"), ("resume_room", null), ("pause_session", null), ("resume_session", null)],
            actions.Select(a => ((string)a["action"]!, (string?)a["reason"])));
        Assert.All(actions, a => Assert.Equal((room, session), ((string)a["room_code"]!, (string)a["session_code"]!)));

        // The session's audit holds the session-wide pause once, with no room, as the sheet's rows are derived from it.
        var audit = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{session}/actions", Ct));
        var sessionPause = Assert.Single(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "pause_session");
        Assert.Equal(JsonValueKind.Null, sessionPause.GetProperty("room_code").ValueKind);
        Assert.Equal(
            ExportValue.ToExportTime(sessionPause.GetProperty("occurred_at").GetDateTimeOffset().UtcDateTime),
            DateTime.SpecifyKind((DateTime)actions[2]["at"]!, DateTimeKind.Utc));
    }

    [Fact]
    public async Task Every_column_of_every_sheet_has_a_codebook_entry_and_a_manifest_count_and_hash()
    {
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(DateTimeOffset.UtcNow.AddYears(1))}", Ct);

        Assert.Equal([.. ExportSheets.All.Select(s => s.Name), "codebook", "manifest"], workbook.SheetNames);
        var codebook = workbook.Records("codebook");
        var manifest = workbook.Manifest;
        foreach (var sheet in ExportSheets.All)
        {
            Assert.Equal(sheet.Columns.Select(c => c.Name), workbook[sheet.Name][0].Select(h => (string)h!));
            Assert.All(sheet.Columns, column => Assert.Single(codebook, c => (string)c["sheet"]! == sheet.Name && (string)c["column"]! == column.Name && c["code"] is null && !string.IsNullOrWhiteSpace((string?)c["meaning"])));
            Assert.Equal((double)(workbook[sheet.Name].Count - 1), manifest[$"{sheet.Name}_rows"]);
            Assert.Equal(ResearchKit.CanonicalHash(workbook[sheet.Name], sheet.Columns.Count), manifest[$"{sheet.Name}_sha256"]);
        }
    }

    [Fact]
    public async Task Every_word_of_the_event_and_action_columns_is_a_code_of_the_codebook()
    {
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(DateTimeOffset.UtcNow.AddYears(1))}", Ct);
        var codebook = workbook.Records("codebook");
        string[] Codes(string sheet, string column) =>
            [.. codebook.Where(c => (string)c["sheet"]! == sheet && (string)c["column"]! == column && c["code"] is not null).Select(c => (string)c["code"]!)];
        static string[] Words(Type type) =>
            [.. type.GetFields().Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!)];

        // The event_type column says the codebook lists its words: every word the rooms record.
        Assert.Equal(Words(typeof(RoomEventType)).Order(), Codes("room_events", "event_type").Order());

        // Every action a facilitator takes on a room; a broadcast and closing the session have no room, so no row.
        Assert.Equal(
            Words(typeof(FacilitatorActionKind)).Except([FacilitatorActionKind.Broadcast, FacilitatorActionKind.CloseSession]).Order(),
            Codes("facilitator_actions", "action").Order());

        // A game ended early or whose last round closed without consensus is finished too, as the codebook must say.
        var finished = Assert.Single(codebook, c => (string)c["column"]! == "room_phase" && (string?)c["code"] == "finished");
        Assert.Contains("ended_early", (string)finished["meaning"]!, StringComparison.Ordinal);
        Assert.Contains("no_consensus", (string)finished["meaning"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_long_sheet_holds_exactly_the_rows_the_game_produced_and_nothing_of_a_participant_without_consent()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var (players, code) = await RoomKit.SeatedRoomAsync(client, Ct);
        await ResearchKit.ConsentAsync(players[0], data: true, Ct);
        await ResearchKit.ConsentAsync(players[1], data: true, Ct);
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        foreach (var (player, i) in players.Select((p, i) => (p, i)))
        {
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(player, code, 1, i % 2, 2 + i, Ct), HttpStatusCode.Created);
        }

        // A revision: the decisions sheet has a row for each submission, the first and the revised.
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[1], code, 1, 0, 5, Ct), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 1, 1, 4, Ct), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 2, 1, 3, Ct), HttpStatusCode.Created);
        await WriteEventsAsync(code, players[1].UserId, players[2].UserId, researcher.UserId, DateTime.UtcNow);

        var (workbook, response) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);
        var stored = await ReadStoredAsync([code]);
        var exported = stored.Exported;
        Assert.DoesNotContain(players[2].UserId, exported);

        static string T(DateTime at) => at.AddTicks(-(at.Ticks % TimeSpan.TicksPerMillisecond)).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
        static string N(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;
        static string B(bool value) => value ? "TRUE" : "FALSE";

        DateTime? Opened(string room, int round) => round == 1
            ? stored.StartedAt[room]
            : stored.Consensus.Where(c => c.Room == room && c.Round == round - 1).Select(c => (DateTime?)c.At).FirstOrDefault()
                ?? stored.Events.Where(e => e.Room == room && e.Type == "no_consensus" && e.Round == round - 1).Select(e => (DateTime?)e.At).Min();
        string Since(string room, int round, DateTime at) => Opened(room, round) is { } opened ? N((ExportValue.ToExportTime(at) - ExportValue.ToExportTime(opened)).Ticks / TimeSpan.TicksPerMillisecond) : string.Empty;

        var decisions = stored.Choices.Where(c => exported.Contains(c.User))
            .Select(c => (c.Room, c.Round, c.User, Status: "chosen", Row: new[] { c.Room, N(c.User), N(c.Round), "chosen", N(c.Choice), N(c.Confidence), N(c.Revision), T(c.At), Since(c.Room, c.Round, c.At), B(c.IsBot), c.BotReason ?? string.Empty, string.Empty }))
            .Concat(stored.Events.Where(e => e.Type is "timed_out" or "absent" && e.User is { } u && exported.Contains(u) && e.Round is not null)
                .Select(e => (e.Room, Round: e.Round!.Value, User: e.User!.Value, Status: e.Type, Row: new[] { e.Room, N(e.User), N(e.Round), e.Type, string.Empty, string.Empty, string.Empty, T(e.At), Since(e.Room, e.Round!.Value, e.At), B(e.IsBot), string.Empty, string.Empty })))
            .OrderBy(d => d.Room, StringComparer.Ordinal).ThenBy(d => d.Round).ThenBy(d => d.User).ThenBy(d => d.Status, StringComparer.Ordinal).ThenBy(d => d.Row[6].Length).ThenBy(d => d.Row[6], StringComparer.Ordinal)
            .Select(d => d.Row).ToList();
        AssertSheet(workbook, "decisions", decisions);
        Assert.Equal(
            [("1", "1", "3"), ("2", "0", "5")],
            decisions.Where(d => d[1] == N(players[1].UserId) && d[2] == "1").Select(d => (d[6], d[4], d[5])).ToList());
        Assert.Equal(4, decisions.Count(d => d[3] == "chosen")); // three first choices in round 1, the revision, one in round 2; less the one without consent
        Assert.Contains(decisions, d => d[3] == "timed_out");
        // Round 3 opened with round 2's no_consensus (round 2 has no consensus), 15 ms before the seat was marked absent.
        Assert.Contains(decisions, d => d[3] == "absent" && d[2] == "3" && d[8] == "15");

        var consensus = stored.Consensus
            .Select(c => (c.Room, c.Round, Row: new[] { c.Room, N(c.Round), "consensus", N(c.Choice), N(c.Confidence), c.By is { } by && exported.Contains(by) ? N(by) : string.Empty, T(c.At), string.Empty }))
            .Concat(stored.Events.Where(e => e.Type == "no_consensus" && e.Round is not null).Select(e => (e.Room, Round: e.Round!.Value, Row: new[] { e.Room, N(e.Round), "no_consensus", string.Empty, string.Empty, string.Empty, T(e.At), string.Empty })))
            .OrderBy(c => c.Room, StringComparer.Ordinal).ThenBy(c => c.Round).Select(c => c.Row).ToList();
        AssertSheet(workbook, "consensus", consensus);
        Assert.Contains(consensus, c => c[2] == "no_consensus");

        var events = stored.Events.Where(e => e.User is null || exported.Contains(e.User.Value))
            .Select(e => new[] { e.Room, e.Type, N(e.User), N(e.Round), e.Actor is { } actor && exported.Contains(actor) ? N(actor) : string.Empty, B(e.IsBot), T(e.At) }).ToList();
        AssertSheet(workbook, "room_events", events);
        Assert.True(stored.Events.Count > events.Count, "An event about the participant without consent was written and must be left out.");

        var recordings = stored.Recordings.Where(r => exported.Contains(r.User)).Select(r => new[] { r.Room, N(r.User), r.Type, T(r.At) }).ToList();
        AssertSheet(workbook, "recording_events", recordings);
        Assert.Single(recordings);

        var quality = stored.Quality.Where(q => exported.Contains(q.UserId))
            .Select(q => new[]
            {
                q.RoomCode, N(q.UserId), q.PeerUserId is { } peer && exported.Contains(peer) ? N(peer) : string.Empty, N(q.RoundNumber), q.ConnectionState, B(q.Relayed),
                q.RoundTripMs?.ToString("R", CultureInfo.InvariantCulture) ?? string.Empty, q.JitterMs?.ToString("R", CultureInfo.InvariantCulture) ?? string.Empty,
                N(q.PacketsReceived), N(q.PacketsLost), T(q.ReportedAt),
            }).ToList();
        AssertSheet(workbook, "connection_quality", quality);

        // The one report exported is about a link to the participant without consent: the measures are the reporter's, the peer is not named.
        Assert.Equal(string.Empty, Assert.Single(quality)[2]);

        var actions = stored.Actions.Where(a => a.UserId is null || exported.Contains(a.UserId.Value))
            .Select(a => new[] { a.RoomCode!, a.SessionCode, N(a.ActorId), a.Action, N(a.UserId), a.Reason ?? string.Empty, T(a.OccurredAt.UtcDateTime) }).ToList();
        AssertSheet(workbook, "facilitator_actions", actions);
        Assert.Single(actions);

        // The export's ledger entry counts and hashes every sheet as its manifest does, and the counts are the database's rows.
        var entry = await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync($"{ResearchKit.Ledger}/{Assert.Single(response.Headers.GetValues("X-Export-Id"))}", Ct));
        var ledger = entry.GetProperty("sheets").EnumerateArray()
            .Select(s => (Sheet: s.GetProperty("sheet").GetString()!, Rows: s.GetProperty("rows").GetInt64(), Sha256: s.GetProperty("sha256").GetString()!)).ToList();
        Assert.Equal(ExportSheets.All.Select(s => s.Name), ledger.Select(s => s.Sheet));
        Assert.All(ledger, s => Assert.Equal(((long)(double)workbook.Manifest[$"{s.Sheet}_rows"]!, (string)workbook.Manifest[$"{s.Sheet}_sha256"]!), (s.Rows, s.Sha256)));
        var seated = stored.Exported.Intersect(players.Select(p => p.UserId)).Count();
        Assert.Equal(
            [("participants", seated), ("rooms", 1), ("decisions", decisions.Count), ("consensus", consensus.Count), ("room_events", events.Count),
             ("facilitator_actions", actions.Count), ("recording_events", recordings.Count), ("connection_quality", quality.Count)],
            ledger.Where(s => s.Sheet is not "scenarios" and not "ai_interactions").Select(s => (s.Sheet, (int)s.Rows)));
        Assert.Equal((entry.GetProperty("participants_rows").GetInt64(), entry.GetProperty("rooms_sha256").GetString()), (ledger[0].Rows, ledger[1].Sha256));

        // Which build read the rows, its version and commit, in the manifest and the ledger alike.
        var build = typeof(Dilemma.Hosting.Telemetry.BuildVersion).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false).Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;
        Assert.Matches("^[0-9]+\\.[0-9]+\\.[0-9]+", build);
        Assert.Equal((build, build), ((string?)workbook.Manifest["software_version"], entry.GetProperty("software_version").GetString()));

        // These hosts export raw ids, so no key made pseudonyms.
        Assert.Equal((null, JsonValueKind.Null), ((string?)workbook.Manifest["pseudonym_key_id"], entry.GetProperty("pseudonym_key_id").ValueKind));

        // The same sheet as CSV holds the same rows.
        var csv = await researcher.GetAsync($"{ResearchKit.Export}?from={ResearchKit.Query(since)}&format=csv&sheet=decisions", Ct);
        var text = Encoding.UTF8.GetString(await csv.Content.ReadAsByteArrayAsync(Ct));
        Assert.True(csv.StatusCode == HttpStatusCode.OK, text);
        var rows = ResearchKit.ParseCsv(text.TrimStart('\uFEFF'));
        Assert.Equal(ExportSheets.Find("decisions")!.Columns.Select(c => c.Name), rows[0]);
        Assert.Equal(decisions, rows.Skip(1).ToList());
    }

    [Theory]
    [InlineData("format=csv&sheet=votes")]
    [InlineData("sheet=decisions")]
    public async Task An_unknown_sheet_or_a_sheet_without_csv_is_a_problem_naming_sheet(string query)
    {
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var problem = await HttpAssert.ProblemAsync(await researcher.GetAsync($"{ResearchKit.Export}?{query}", Ct), HttpStatusCode.BadRequest, "invalid_sheet");
        Assert.Equal("sheet", problem.GetProperty("field").GetString());
    }

    private static void AssertSheet(Workbook workbook, string sheet, List<string[]> expected)
    {
        var actual = workbook[sheet].Skip(1).Select(r => r.Select(ResearchKit.CanonicalCell).ToArray()).ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }
    }

    /// <summary>The stored rows of some rooms, and the users whose rows may be exported (data consent, or a bot).</summary>
    protected sealed record Stored(
        IReadOnlySet<long> Exported,
        IReadOnlyDictionary<string, DateTime?> StartedAt,
        IReadOnlyList<(string Room, long User, int Round, int Choice, int Confidence, int Revision, DateTime At, bool IsBot, string? BotReason)> Choices,
        IReadOnlyList<(string Room, int Round, int Choice, int Confidence, long? By, DateTime At)> Consensus,
        IReadOnlyList<(string Room, string Type, long? User, int? Round, long? Actor, bool IsBot, DateTime At)> Events,
        IReadOnlyList<(string Room, long User, string Type, DateTime At)> Recordings,
        IReadOnlyList<ConnectionQualityRecord> Quality,
        IReadOnlyList<FacilitatorActionEntry> Actions);

    protected static ConnectionQualityRecord Report(string room, long user, long peer, DateTime at) =>
        new(room, user, peer, 1, "connected", true, 23.5, 1.25, 900, 3, at);
}

public sealed class ClusterExportSheetsTests(ClusterGatewayFixture cluster)
    : ExportSheetsTests(cluster.Client, cluster.Grains), IClassFixture<ClusterGatewayFixture>
{
    protected override async Task RecordRoomEventAsync(RoomEventRecord roomEvent)
    {
        await using var dataSource = new MySqlDataSource(cluster.Deployment.MySqlConnectionString);
        await using var groupCommit = new MySqlGroupCommit(dataSource);
        await new MySqlResearchStore(dataSource, groupCommit).RecordRoomEventAsync(roomEvent, Ct);
    }

    protected override async Task WriteEventsAsync(string room, long consenting, long withoutConsent, long facilitator, DateTime at)
    {
        await using var dataSource = new MySqlDataSource(cluster.Deployment.MySqlConnectionString);
        await using var groupCommit = new MySqlGroupCommit(dataSource);
        var store = new MySqlResearchStore(dataSource, groupCommit);
        var actions = new MySqlFacilitatorActionStore(dataSource);
        await store.RecordRoomEventAsync(new RoomEventRecord(room, RoomEventType.TimedOut, consenting, 2, null, false, at), Ct);
        await store.RecordRoomEventAsync(new RoomEventRecord(room, RoomEventType.TimedOut, withoutConsent, 2, null, false, at), Ct);
        await store.RecordRoomEventAsync(new RoomEventRecord(room, RoomEventType.NoConsensus, null, 2, null, false, at.AddMilliseconds(5)), Ct);
        await store.RecordRoomEventAsync(new RoomEventRecord(room, RoomEventType.Absent, consenting, 3, null, false, at.AddMilliseconds(20)), Ct);
        await store.RecordRecordingEventAsync(room, consenting, RecordingEventType.Started, at, Ct);
        await store.RecordRecordingEventAsync(room, withoutConsent, RecordingEventType.Started, at, Ct);
        await store.RecordConnectionQualityAsync([Report(room, consenting, withoutConsent, at)], Ct);
        await store.RecordConnectionQualityAsync([Report(room, withoutConsent, consenting, at)], Ct);
        await actions.RecordAsync(new FacilitatorActionEntry("S7TEST", facilitator, "pause_room", room, null, "a break", at), Ct);
        await actions.RecordAsync(new FacilitatorActionEntry("S7TEST", facilitator, "remove_participant", room, withoutConsent, null, at), Ct);
    }

    protected override async Task<Stored> ReadStoredAsync(IReadOnlyList<string> rooms)
    {
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var p = new { rooms };
        var exported = (await connection.QueryAsync<long>("SELECT DISTINCT u.id FROM users u WHERE u.data_consent = 1 OR u.is_bot = 1")).ToHashSet();
        var started = (await connection.QueryAsync<(string, DateTime?)>("SELECT room_code, started_at FROM rooms WHERE room_code IN @rooms", p)).ToDictionary(r => r.Item1, r => r.Item2);
        var choices = (await connection.QueryAsync<(string, long, int, int, int, int, DateTime, bool, string?)>(
            "SELECT room_code, user_id, round_number, choice, confidence, revision, submitted_at, is_bot, bot_reason FROM round_choice_submissions WHERE room_code IN @rooms", p)).ToList();
        var consensus = (await connection.QueryAsync<(string, int, int, int, long?, DateTime)>(
            "SELECT room_code, round_number, choice, confidence, submitted_by, created_at FROM consensus_choices WHERE room_code IN @rooms", p)).ToList();
        var events = (await connection.QueryAsync<(string, string, long?, int?, long?, bool, DateTime)>(
            "SELECT room_code, event_type, user_id, round_number, actor_id, is_bot, occurred_at FROM room_events WHERE room_code IN @rooms ORDER BY room_code, id", p)).ToList();
        var recordings = (await connection.QueryAsync<(string, long, string, DateTime)>(
            "SELECT room_code, user_id, event_type, occurred_at FROM recording_events WHERE room_code IN @rooms ORDER BY room_code, id", p)).ToList();
        var quality = (await connection.QueryAsync<(string, long, long, int, string, bool, double?, double?, long?, long?, DateTime)>(
            """
            SELECT room_code, user_id, peer_user_id, round_number, connection_state, relayed, round_trip_ms, jitter_ms, packets_received, packets_lost, reported_at
            FROM connection_quality WHERE room_code IN @rooms ORDER BY room_code, id
            """, p)).Select(q => new ConnectionQualityRecord(q.Item1, q.Item2, q.Item3, q.Item4, q.Item5, q.Item6, q.Item7, q.Item8, q.Item9, q.Item10, q.Item11)).ToList();
        var actions = (await connection.QueryAsync<(string, long, string, string, long?, string?, DateTime)>(
            "SELECT session_code, actor_id, action, room_code, user_id, reason, occurred_at FROM facilitator_actions WHERE room_code IN @rooms ORDER BY room_code, id", p))
            .Select(a => new FacilitatorActionEntry(a.Item1, a.Item2, a.Item3, a.Item4, a.Item5, a.Item6, new DateTimeOffset(a.Item7, TimeSpan.Zero))).ToList();
        return new Stored(exported, started, choices, consensus, events, recordings, quality, actions);
    }
}

public sealed class EmbeddedExportSheetsTests(EmbeddedGatewayFixture gateway)
    : ExportSheetsTests(gateway.Client, gateway.Grains), IClassFixture<EmbeddedGatewayFixture>
{
    private InMemoryResearchStore Research => gateway.Factory.Services.GetRequiredService<InMemoryResearchStore>();

    protected override Task RecordRoomEventAsync(RoomEventRecord roomEvent) => Research.RecordRoomEventAsync(roomEvent, Ct);

    protected override async Task WriteEventsAsync(string room, long consenting, long withoutConsent, long facilitator, DateTime at)
    {
        await Research.RecordRoomEventAsync(new RoomEventRecord(room, RoomEventType.TimedOut, consenting, 2, null, false, at), Ct);
        await Research.RecordRoomEventAsync(new RoomEventRecord(room, RoomEventType.TimedOut, withoutConsent, 2, null, false, at), Ct);
        await Research.RecordRoomEventAsync(new RoomEventRecord(room, RoomEventType.NoConsensus, null, 2, null, false, at.AddMilliseconds(5)), Ct);
        await Research.RecordRoomEventAsync(new RoomEventRecord(room, RoomEventType.Absent, consenting, 3, null, false, at.AddMilliseconds(20)), Ct);
        await Research.RecordRecordingEventAsync(room, consenting, RecordingEventType.Started, at, Ct);
        await Research.RecordRecordingEventAsync(room, withoutConsent, RecordingEventType.Started, at, Ct);
        await Research.RecordConnectionQualityAsync([Report(room, consenting, withoutConsent, at)], Ct);
        await Research.RecordConnectionQualityAsync([Report(room, withoutConsent, consenting, at)], Ct);
        var actions = gateway.Factory.Services.GetRequiredService<InMemoryFacilitatorActionStore>();
        await actions.RecordAsync(new FacilitatorActionEntry("S7TEST", facilitator, "pause_room", room, null, "a break", at), Ct);
        await actions.RecordAsync(new FacilitatorActionEntry("S7TEST", facilitator, "remove_participant", room, withoutConsent, null, at), Ct);
    }

    protected override async Task<Stored> ReadStoredAsync(IReadOnlyList<string> rooms)
    {
        var recorded = Research.SnapshotRooms().Where(r => rooms.Contains(r.Record.RoomCode)).ToList();
        var accounts = gateway.Factory.Services.GetRequiredService<InMemoryAccountStore>();
        var exported = new HashSet<long>();
        var users = recorded.SelectMany(r => r.Seats.Select(s => s.UserId)).Concat(recorded.SelectMany(r => Research.RoomEvents(r.Record.RoomCode).SelectMany(e => new[] { e.UserId, e.ActorId }).OfType<long>())).Distinct();
        foreach (var id in users)
        {
            if (await accounts.FindByIdAsync(id, Ct) is { DataConsent: true } or { IsBot: true })
            {
                exported.Add(id);
            }
        }

        return new Stored(
            exported,
            recorded.ToDictionary(r => r.Record.RoomCode, r => r.Progress?.StartedAt),
            [.. recorded.SelectMany(r => r.Submissions).Select(c => (c.RoomCode, c.UserId, c.RoundNumber, c.Choice, c.Confidence, c.Revision, c.At, c.IsBot, c.BotReason))],
            [.. recorded.SelectMany(r => r.Consensus).Select(c => (c.RoomCode, c.RoundNumber, c.Choice, c.Confidence, c.SubmittedBy == 0 ? (long?)null : c.SubmittedBy, c.At))],
            [.. recorded.SelectMany(r => Research.RoomEvents(r.Record.RoomCode)).Select(e => (e.RoomCode, e.EventType, e.UserId, e.RoundNumber, e.ActorId, e.IsBot, e.At))],
            [.. recorded.SelectMany(r => Research.RecordingEvents(r.Record.RoomCode).Select(e => (r.Record.RoomCode, e.UserId, e.Type, e.At)))],
            [.. recorded.SelectMany(r => Research.ConnectionQuality(r.Record.RoomCode))],
            [.. gateway.Factory.Services.GetRequiredService<InMemoryFacilitatorActionStore>().All().Where(a => a.RoomCode is not null && rooms.Contains(a.RoomCode))]);
    }
}
