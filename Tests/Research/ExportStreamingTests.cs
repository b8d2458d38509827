using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Dapper;
using Dilemma.Grains.Research;
using Dilemma.Grains.Storage;
using Dilemma.Tools.DataGenerator;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Rooms;
using MySqlConnector;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace Dilemma.Tests.Research;

/// <summary>A cluster whose database the generator filled with enough games that an export takes a while.</summary>
public sealed class SeededClusterFixture(LocalServices services) : IAsyncLifetime
{
    // 150,000 participants: a result of some 20 MB, more than loopback socket buffers and the pipes between
    // database and client hold, so a client that stops reading holds the query up.
    public const int Games = 50_000;

    /// <summary>
    /// The silo's response timeout, shortened from Orleans' 30 s: Orleans drops an enumeration that no call has
    /// asked for within one to two of these, so a stall of a few seconds here stands for one of a minute.
    /// </summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(4);

    public ClusterDeployment Deployment { get; private set; } = null!;

    public GenerationReport Report { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public IGrainFactory Grains => (IGrainFactory)_gateway.Services.GetService(typeof(IGrainFactory))!;

    private GatewayFactory _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        Deployment = await ClusterDeployment.CreateAsync(services, "seeded_", ct);
        await SchemaMigrator.MigrateAsync(Deployment.MySqlConnectionString, ct);
        Report = await SyntheticGames.GenerateAsync(Deployment.MySqlConnectionString, Games, seed: 7, days: 30, ct);
        await Deployment.StartSiloAsync(ct, builder => builder.Services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout));
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
}

/// <summary>Streaming end to end: the download starts while the query runs, and a client that goes away stops it.</summary>
public sealed class ExportStreamingTests(SeededClusterFixture cluster) : IClassFixture<SeededClusterFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_generator_writes_finished_games_with_three_seats_roles_and_every_decision()
    {
        var report = cluster.Report;
        Assert.Equal(SeededClusterFixture.Games, report.Games);
        Assert.Equal(3L * report.Games, report.Participants);
        Assert.InRange(report.ConsentingParticipants, report.Participants * 7 / 10, report.Participants * 95 / 100);
        Assert.InRange(report.Guests, report.Users / 2, report.Users);

        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var shape = await connection.QuerySingleAsync<(long Rooms, long BadRooms, long BadChoices)>(
            """
            SELECT (SELECT COUNT(*) FROM rooms WHERE status = 'finished' AND current_round = 5),
                   (SELECT COUNT(*) FROM (SELECT room_code FROM room_participants GROUP BY room_code
                        HAVING COUNT(*) <> 3 OR SUM(role_id) <> 6 OR COUNT(DISTINCT role_id) <> 3) x),
                   (SELECT COUNT(*) FROM round_choices WHERE choice NOT BETWEEN 0 AND 3 OR confidence NOT BETWEEN 1 AND 5)
            """);
        Assert.Equal((SeededClusterFixture.Games, 0L, 0L), shape);

        // Every seat-round is a choice or a time-out, every round a consensus or none, and every other sheet has rows.
        var events = await connection.QuerySingleAsync<(long TimedOut, long NoConsensus)>(
            "SELECT CAST(SUM(event_type = 'timed_out') AS SIGNED), CAST(SUM(event_type = 'no_consensus') AS SIGNED) FROM room_events");
        Assert.Equal(15L * report.Games, report.Choices + events.TimedOut);
        Assert.Equal(5L * report.Games, report.Consensus + events.NoConsensus);
        Assert.All(
            new[] { events.TimedOut, events.NoConsensus, report.Activity.ConsentRecords, report.Activity.FacilitatorActions, report.Activity.RecordingEvents, report.Activity.ConnectionQuality, report.Activity.GeneratedScenarios, report.Activity.AiInteractions },
            count => Assert.True(count > 0));
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_download_stops_the_query_and_no_export_is_recorded()
    {
        var researcher = await ResearchKit.ResearcherAsync(cluster.Client, cluster.Grains, Ct);
        using var download = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        // Rows arrive while the query is still running: the response did not wait for it.
        var (response, _, _) = await StartDownloadAsync(cluster.Client, researcher, download.Token);
        var exportId = Assert.Single(response.Headers.GetValues("X-Export-Id"));

        await download.CancelAsync();
        response.Dispose();

        var stopwatch = Stopwatch.StartNew();
        while (await RunningExportQueriesAsync() > 0)
        {
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), "The export query was still running 20 s after the client went away.");
            await Task.Delay(100, Ct);
        }

        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM research_exports WHERE export_id = @exportId", new { exportId }));
    }

    [Fact]
    public async Task A_large_csv_export_has_every_consenting_participant_and_the_ledger_hash_of_its_rows()
    {
        var researcher = await ResearchKit.ResearcherAsync(cluster.Client, cluster.Grains, Ct);
        var response = await researcher.GetAsync($"{ResearchKit.Export}?format=csv&phase=finished", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync(Ct);
        var rows = ResearchKit.ParseCsv(Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3));

        Assert.Equal(cluster.Report.ConsentingParticipants + 1, rows.Count);
        var exportId = Assert.Single(response.Headers.GetValues("X-Export-Id"));
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var ledger = await connection.QuerySingleAsync<(long Participants, long Rooms, long Excluded, string Hash)>(
            "SELECT participant_rows, room_rows, excluded_participants, participants_sha256 FROM research_exports WHERE export_id = @exportId",
            new { exportId });
        Assert.Equal(cluster.Report.ConsentingParticipants, ledger.Participants);
        Assert.Equal(cluster.Report.Games, ledger.Rooms);
        Assert.Equal(cluster.Report.Participants - cluster.Report.ConsentingParticipants, ledger.Excluded);
        Assert.Equal(ResearchKit.CanonicalHash(rows.Select(r => r.Select(c => (object?)(c.Length == 0 ? null : c)).ToList()), rows[0].Length), ledger.Hash);
    }

    [Fact]
    public async Task A_reader_that_stalls_longer_than_orleans_keeps_an_idle_enumeration_still_gets_the_whole_export()
    {
        var researcher = await ResearchKit.ResearcherAsync(cluster.Client, cluster.Grains, Ct);
        var (response, body, head) = await StartDownloadAsync(cluster.Client, researcher, Ct);
        var exportId = Assert.Single(response.Headers.GetValues("X-Export-Id"));

        // The reader stops reading for longer than Orleans keeps an enumeration nobody calls for (at most two
        // response timeouts); all that time the export's query must stay alive, held up by the stalled reader.
        var stallEnds = DateTime.UtcNow + (3 * SeededClusterFixture.ResponseTimeout);
        while (DateTime.UtcNow < stallEnds)
        {
            Assert.Equal(1, await RunningExportQueriesAsync());
            await Task.Delay(250, Ct);
        }

        var rest = new MemoryStream();
        await body.CopyToAsync(rest, Ct);
        var text = Encoding.UTF8.GetString([.. head, .. rest.ToArray()]);
        var rows = ResearchKit.ParseCsv(text[1..]);
        Assert.Equal(cluster.Report.ConsentingParticipants + 1, rows.Count);
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var hash = await connection.QuerySingleAsync<string>("SELECT participants_sha256 FROM research_exports WHERE export_id = @exportId", new { exportId });
        Assert.Equal(ResearchKit.CanonicalHash(rows.Select(r => r.Select(c => (object?)(c.Length == 0 ? null : c)).ToList()), rows[0].Length), hash);
    }

    [Fact]
    public async Task A_reader_stalled_longer_than_the_stall_limit_loses_the_export_and_its_query()
    {
        using var gateway = cluster.Deployment.CreateGateway(new Dictionary<string, string?> { ["Research:ExportMaxStallSeconds"] = "2" });
        using var client = gateway.CreateClient();
        var researcher = await ResearchKit.ResearcherAsync(client, cluster.Grains, Ct);
        var (response, body, _) = await StartDownloadAsync(client, researcher, Ct);
        var exportId = Assert.Single(response.Headers.GetValues("X-Export-Id"));

        var stopwatch = Stopwatch.StartNew();
        while (await RunningExportQueriesAsync() > 0)
        {
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), "The export query still ran 30 s into a stall limited to 2 s.");
            await Task.Delay(100, Ct);
        }

        await Assert.ThrowsAnyAsync<IOException>(() => body.CopyToAsync(Stream.Null, Ct));
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM research_exports WHERE export_id = @exportId", new { exportId }));
    }

    [Fact]
    public async Task A_sheet_read_in_batches_of_rooms_has_every_row_once_and_in_the_order_of_one_query()
    {
        // A window of rooms by creation time holding a few batches' worth (MySqlSheetContext.RoomsPerBatch each).
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var windowRooms = (3 * MySqlSheetContext.RoomsPerBatch) + 17;
        // Whole milliseconds, as the export compares its filters (a finer fraction is rounded up), so the count below is the export's.
        var from = ToMillisecond(await connection.ExecuteScalarAsync<DateTime>("SELECT MIN(created_at) FROM rooms"));
        var to = ToMillisecond(await connection.ExecuteScalarAsync<DateTime>("SELECT created_at FROM rooms ORDER BY created_at LIMIT 1 OFFSET @windowRooms", new { windowRooms }));
        var rooms = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM rooms WHERE created_at >= @from AND created_at < @to", new { from, to });
        Assert.True(rooms > 2 * MySqlSheetContext.RoomsPerBatch, $"The window holds {rooms} rooms, too few for three batches.");
        var expected = await connection.ExecuteScalarAsync<long>(
            """
            SELECT (SELECT COUNT(*) FROM round_choice_submissions c JOIN rooms r ON r.room_code = c.room_code JOIN users u ON u.id = c.user_id
                    WHERE r.created_at >= @from AND r.created_at < @to AND (u.data_consent = 1 OR u.is_bot = 1))
                 + (SELECT COUNT(*) FROM room_events e JOIN rooms r ON r.room_code = e.room_code JOIN users u ON u.id = e.user_id
                    WHERE r.created_at >= @from AND r.created_at < @to AND e.event_type IN ('timed_out', 'absent') AND e.round_number IS NOT NULL
                      AND (u.data_consent = 1 OR u.is_bot = 1))
            """,
            new { from, to });

        var researcher = await ResearchKit.ResearcherAsync(cluster.Client, cluster.Grains, Ct);
        var response = await researcher.GetAsync($"{ResearchKit.Export}?format=csv&sheet=decisions&from={ResearchKit.Query(from)}&to={ResearchKit.Query(to)}", Ct);
        var text = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var rows = ResearchKit.ParseCsv(text.TrimStart('\uFEFF'));
        var header = rows[0].ToList();
        int Column(string name) => header.IndexOf(name) is >= 0 and var index ? index : throw new InvalidOperationException($"No column {name}.");
        var (room, round, user, status, revision) = (Column("room_code"), Column("round"), Column("user_id"), Column("status"), Column("revision"));

        // Every row once (the count), and each after the one before it in the sheet's order (so none twice and none out of place).
        Assert.Equal(expected, rows.Count - 1);
        var keys = rows.Skip(1)
            .Select(r => (Room: r[room], Round: int.Parse(r[round], CultureInfo.InvariantCulture), User: long.Parse(r[user], CultureInfo.InvariantCulture), Status: r[status], Revision: r[revision].Length == 0 ? 0 : int.Parse(r[revision], CultureInfo.InvariantCulture)))
            .ToList();
        for (var i = 1; i < keys.Count; i++)
        {
            var order = string.CompareOrdinal(keys[i - 1].Room, keys[i].Room) is var byRoom and not 0 ? byRoom
                : keys[i - 1].Round.CompareTo(keys[i].Round) is var byRound and not 0 ? byRound
                : keys[i - 1].User.CompareTo(keys[i].User) is var byUser and not 0 ? byUser
                : string.CompareOrdinal(keys[i - 1].Status, keys[i].Status) is var byStatus and not 0 ? byStatus
                : keys[i - 1].Revision.CompareTo(keys[i].Revision);
            Assert.True(order < 0, $"Row {i + 1} ({keys[i]}) does not follow row {i} ({keys[i - 1]}).");
        }

        Assert.True(keys.Select(k => k.Room).Distinct().Count() > 2 * MySqlSheetContext.RoomsPerBatch, "The export's rows came from too few rooms to span three batches.");
    }

    private static DateTime ToMillisecond(DateTime stored) =>
        new(stored.Ticks - (stored.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);

    [Fact]
    public async Task A_client_that_disconnects_during_a_sheet_read_in_batches_stops_its_queries_and_no_export_is_recorded()
    {
        var researcher = await ResearchKit.ResearcherAsync(cluster.Client, cluster.Grains, Ct);
        using var download = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var request = Accounts.AuthClient.Authorized(HttpMethod.Get, $"{ResearchKit.Export}?format=csv&sheet=decisions", researcher.Tokens.AccessToken);
        var response = await cluster.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, download.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var exportId = Assert.Single(response.Headers.GetValues("X-Export-Id"));
        var body = await response.Content.ReadAsStreamAsync(Ct);
        await ReadHeadAsync(body);

        await download.CancelAsync();
        response.Dispose();

        var stopwatch = Stopwatch.StartNew();
        while (await RunningExportQueriesAsync("STRAIGHT_JOIN round_choice_submissions") > 0)
        {
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), "A decisions query was still running 20 s after the client went away.");
            await Task.Delay(100, Ct);
        }

        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM research_exports WHERE export_id = @exportId", new { exportId }));
    }

    /// <summary>Starts a CSV export of everything and reads its first 64 KB, while its query still runs.</summary>
    private async Task<(HttpResponseMessage Response, Stream Body, byte[] Head)> StartDownloadAsync(HttpClient client, Player researcher, CancellationToken cancellationToken)
    {
        var request = Accounts.AuthClient.Authorized(HttpMethod.Get, $"{ResearchKit.Export}?format=csv", researcher.Tokens.AccessToken);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stream = await response.Content.ReadAsStreamAsync(Ct);
        var head = await ReadHeadAsync(stream);

        Assert.Equal(1, await RunningExportQueriesAsync());
        return (response, stream, head);
    }

    /// <summary>Reads the first 64 KB of a download.</summary>
    private static async Task<byte[]> ReadHeadAsync(Stream stream)
    {
        var head = new byte[64 * 1024];
        var read = 0;
        while (read < head.Length)
        {
            var n = await stream.ReadAsync(head.AsMemory(read), Ct);
            Assert.NotEqual(0, n);
            read += n;
        }

        return head;
    }

    /// <summary>The export's queries running on the server: by default the participants sheet's, else those whose text holds <paramref name="marker"/>.</summary>
    private async Task<long> RunningExportQueriesAsync(string marker = "STRAIGHT_JOIN room_participants")
    {
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        return await connection.ExecuteScalarAsync<long>(
            """
            SELECT COUNT(*) FROM information_schema.PROCESSLIST
            WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND COMMAND = 'Query' AND INFO LIKE CONCAT('%', @marker, '%')
            """,
            new { marker });
    }
}

