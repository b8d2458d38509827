using System.Globalization;
using System.Net;
using System.Text.Json;
using Dapper;
using Dilemma.Grains.Embedded;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Realtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// A creation or a join writes its research rows before the room's state; when that write fails and nobody runs the call
/// again, the rows name a room (or a seat) the room does not have. The sweep closes such a room and releases such a seat
/// once they are Rooms:AbandonedAfterSeconds old. Embedded mode, its grain storage failing the one write the test arms.
/// </summary>
public sealed class GhostRoomTests : IAsyncDisposable
{
    private readonly FailingRoomWrites _failing = new();
    private readonly GatewayFactory _gateway;
    private readonly Uri _address;
    private readonly HttpClient _http;

    public GhostRoomTests()
    {
        _gateway = new GatewayFactory(
            new Dictionary<string, string?>
            {
                ["Rooms:AbandonedAfterSeconds"] = "3",
                ["Rooms:SweepSeconds"] = "1",

                // A room deactivated by a failed save learns of the sockets still open to it at their next renewal.
                ["Realtime:RenewSeconds"] = "1",
            },
            services: s => _failing.AroundGameStorage(s));
        _address = _gateway.StartKestrel();
        _http = new HttpClient { BaseAddress = _address };
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// The room's rows said waiting with its creator seated, its state said nothing: it stayed listed (and offered by quick
    /// join) while answering 404, nothing ever closed it, and its creator's withdrawal was 409 game_in_progress for good.
    /// </summary>
    [Fact]
    public async Task A_room_whose_creation_failed_to_save_is_closed_by_the_sweep_and_its_creator_may_withdraw()
    {
        var creator = await RoomKit.GuestAsync(_http, Ct);
        var code = Random.Shared.Next(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        var room = _gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IRoomGrain>(code);
        var creation = new RoomCreation("Ghost room", RoomKit.Topic, IsPublic: true, creator.UserId, "ghost");

        _failing.FailNext(code);
        var failed = await Assert.ThrowsAsync<OrleansException>(() => room.CreateAsync(creation, Ct));
        Assert.IsType<StorageFailedException>(failed.InnerException);

        Assert.Equal(1, await ListedParticipantsAsync(creator, code));
        await HttpAssert.ProblemAsync(await creator.GetAsync($"/rooms/{code}", Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await WithdrawAsync(creator), HttpStatusCode.Conflict, "game_in_progress");

        Assert.NotNull(StoredScenario(room));

        await Eventually.UntilAsync(async () => await ListedParticipantsAsync(creator, code) is null, TimeSpan.FromSeconds(60), () => $"room {code} to leave the listing", Ct, TimeSpan.FromMilliseconds(200));

        // The scenario the creation wrote before its failed save goes with it, as in cluster mode (ClusterGhostRoomTests).
        Assert.Null(StoredScenario(room));
        await HttpAssert.OkAsync<JsonElement>(await WithdrawAsync(creator));

        // Closed, not free: the code is never opened again, as no closed room's is.
        var again = await Assert.ThrowsAsync<RuleViolationException>(() => room.CreateAsync(creation, Ct));
        Assert.Equal("room_exists", again.Code);
    }

    /// <summary>
    /// The joiner's row said seated, the room did not: the listing counted them, and their withdrawal was 409
    /// game_in_progress for as long as the room waited. The room plays on, as its host is connected.
    /// </summary>
    [Fact]
    public async Task A_seat_whose_join_failed_to_save_is_released_by_the_sweep_while_the_room_waits_on()
    {
        var (host, joiner) = (await RoomKit.GuestAsync(_http, Ct), await RoomKit.GuestAsync(_http, Ct));
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));
        var (socket, _) = await RealtimeKit.JoinAsync(_address, host, code, Ct);
        await using var _socket = socket;

        _failing.FailNext(code);
        using (var failed = await joiner.PostAsync("/rooms/join", new { room_code = code, nickname = "ghost" }, Ct))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }

        Assert.Equal(2, await ListedParticipantsAsync(host, code));
        await HttpAssert.ProblemAsync(await WithdrawAsync(joiner), HttpStatusCode.Conflict, "game_in_progress");

        await Eventually.UntilAsync(async () => await ListedParticipantsAsync(host, code) == 1, TimeSpan.FromSeconds(60), () => $"the ghost seat in room {code} to be released", Ct, TimeSpan.FromMilliseconds(200));

        await HttpAssert.OkAsync<JsonElement>(await WithdrawAsync(joiner));
        var room = await HttpAssert.OkAsync<JsonElement>(await host.GetAsync($"/rooms/{code}", Ct));
        Assert.Equal("waiting", room.GetProperty("phase").GetString());
        Assert.Equal([host.UserId], room.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("user_id").GetInt64()));
    }

    private ReadOnlyMemory<byte>? StoredScenario(IRoomGrain room) =>
        _gateway.Services.GetRequiredService<EmbeddedGrainStorage>().StoredBytes("room-scenario", ((GrainReference)(object)room).GrainId);

    /// <summary>The room's participant count as <c>GET /rooms</c> lists it, or null when it is not listed.</summary>
    private static async Task<int?> ListedParticipantsAsync(Player viewer, string code)
    {
        var listed = await HttpAssert.OkAsync<JsonElement>(await viewer.GetAsync("/rooms?page_size=100", Ct));
        return listed.GetProperty("items").EnumerateArray()
            .Where(r => r.GetProperty("room_code").GetString() == code)
            .Select(r => (int?)r.GetProperty("participant_count").GetInt32())
            .SingleOrDefault();
    }

    private Task<HttpResponseMessage> WithdrawAsync(Player player) =>
        _http.SendAsync(AuthClient.Authorized(HttpMethod.Delete, "/auth/me/research-data", player.Tokens.AccessToken), Ct);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }
}

/// <summary>
/// The same on MariaDB: the rows a failed creation and a failed join leave, written as they write them (the silo's
/// research store, dated older than Rooms:AbandonedAfterSeconds), closed and released by the sweep's statements.
/// </summary>
public sealed class ClusterGhostRoomTests(LocalServices services)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_sweep_closes_a_room_with_rows_and_no_state_and_releases_a_seat_its_room_does_not_have()
    {
        await using var deployment = await ClusterDeployment.CreateAsync(services, "ghost_", Ct);
        var silo = await deployment.StartSiloAsync(Ct, builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Rooms:AbandonedAfterSeconds"] = "2",
            ["Rooms:SweepSeconds"] = "1",
        }));
        using var http = deployment.CreateGateway().CreateClient();
        var (creator, host, joiner) = (await RoomKit.GuestAsync(http, Ct), await RoomKit.GuestAsync(http, Ct), await RoomKit.GuestAsync(http, Ct));
        var research = silo.Services.GetRequiredService<IResearchStore>();
        var longAgo = DateTime.UtcNow.AddHours(-1);

        // A creation that wrote its rows and not its state.
        string ghost;
        do
        {
            ghost = Random.Shared.Next(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        }
        while (!await research.TryRecordRoomAsync(new RoomRecord(ghost, "Ghost room", RoomKit.Topic, IsPublic: true, creator.UserId, "default", longAgo), Ct));

        await research.RecordParticipantAsync(ghost, creator.UserId, "ghost", longAgo, Ct);

        // A real room, and a join into it that wrote its seat and not the room's state. Nobody is connected, so it closes
        // too, marking left only the seat it does not have: a closed room's own seats keep no left_at.
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));
        await research.RecordParticipantAsync(code, joiner.UserId, "ghost seat", longAgo, Ct);

        await using var connection = new MySqlConnection(deployment.MySqlConnectionString);
        await Eventually.UntilAsync(
            async () => await StatusAsync(connection, ghost) == RoomStatus.Closed && await StatusAsync(connection, code) == RoomStatus.Closed,
            TimeSpan.FromSeconds(60),
            () => $"rooms {ghost} and {code} to close",
            Ct,
            TimeSpan.FromMilliseconds(200));

        var seats = (await connection.QueryAsync<(string Room, long User, DateTime? LeftAt)>(
            "SELECT room_code, user_id, left_at FROM room_participants WHERE room_code IN @rooms",
            new { rooms = new[] { ghost, code } })).ToDictionary(s => (s.Room, s.User), s => s.LeftAt);
        Assert.Equal(3, seats.Count);
        Assert.NotNull(seats[(ghost, creator.UserId)]);
        Assert.NotNull(seats[(code, joiner.UserId)]);
        Assert.Null(seats[(code, host.UserId)]);

        await HttpAssert.OkAsync<JsonElement>(await http.SendAsync(AuthClient.Authorized(HttpMethod.Delete, "/auth/me/research-data", creator.Tokens.AccessToken), Ct));
    }

    /// <summary>
    /// A creation writes the room's scenario, then the room's state. When that second write failed, the scenario stayed in
    /// OrleansStorage for good (the room's ~20 KB copy): the sweep closed the room's rows, a closed code is never opened
    /// again, and nothing else clears a room's state in cluster mode. The sweep that closes the room now clears it.
    /// </summary>
    [Fact]
    public async Task A_creation_that_failed_to_save_leaves_no_scenario_in_storage_once_the_sweep_closes_its_room()
    {
        var failing = new FailingRoomWrites();
        await using var deployment = await ClusterDeployment.CreateAsync(services, "ghost_scenario_", Ct);
        await deployment.StartSiloAsync(Ct, builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Rooms:AbandonedAfterSeconds"] = "2",
                ["Rooms:SweepSeconds"] = "1",
            });
            failing.AroundClusterGameStorage(builder);
        });
        var gateway = deployment.CreateGateway();
        using var http = gateway.CreateClient();
        var creator = await RoomKit.GuestAsync(http, Ct);
        var code = Random.Shared.Next(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        var room = gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IRoomGrain>(code);

        failing.FailNext(code);
        await Assert.ThrowsAsync<StorageFailedException>(() => room.CreateAsync(new RoomCreation("Ghost room", RoomKit.Topic, IsPublic: true, creator.UserId, "ghost"), Ct));

        // This deployment's own database holds this one room: its scenario is stored, its state is not.
        await using var connection = new MySqlConnection(deployment.MySqlConnectionString);
        Assert.Equal(
            [("room-scenario", true)],
            (await connection.QueryAsync<(string State, bool HasPayload)>("SELECT GrainTypeString, PayloadBinary IS NOT NULL FROM OrleansStorage WHERE GrainTypeString IN ('room', 'room-scenario')")).ToList());

        await Eventually.UntilAsync(async () => await StatusAsync(connection, code) == RoomStatus.Closed, TimeSpan.FromSeconds(60), () => $"room {code} to close", Ct, TimeSpan.FromMilliseconds(200));

        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM OrleansStorage WHERE GrainTypeString IN ('room', 'room-scenario')"));
    }

    private static Task<string> StatusAsync(MySqlConnection connection, string code) =>
        connection.QuerySingleAsync<string>("SELECT status FROM rooms WHERE room_code = @code", new { code });
}
