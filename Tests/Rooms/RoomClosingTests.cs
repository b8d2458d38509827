using System.Net;
using System.Text.Json;
using Dapper;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Realtime;
using Microsoft.Extensions.Configuration;
using MySqlConnector;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// A room cannot lose its host for good (issue 11, finding 4): the last one out closes it, and a
/// leaving host hands over to the participant who joined earliest. In both modes.
/// </summary>
public abstract class RoomClosingTests(HttpClient client)
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_last_participant_leaving_closes_the_room_for_good()
    {
        const string topic = "medication-ai";
        var host = await RoomKit.GuestAsync(client, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct, topic: topic));

        Assert.Equal(HttpStatusCode.NoContent, (await host.PostAsync($"/rooms/{code}/leave", null, Ct)).StatusCode);

        var latecomer = await RoomKit.GuestAsync(client, Ct);
        await HttpAssert.ProblemAsync(await host.GetAsync($"/rooms/{code}", Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await latecomer.GetAsync($"/rooms/{code}", Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await latecomer.PostAsync("/rooms/join", new { room_code = code, nickname = "late" }, Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await host.PostAsync("/rooms/join", new { room_code = code, nickname = "back" }, Ct), HttpStatusCode.NotFound, "room_not_found");
        var listed = await HttpAssert.OkAsync<JsonElement>(await latecomer.GetAsync($"/rooms?topic={topic}&page_size=100", Ct));
        Assert.DoesNotContain(code, listed.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("room_code").GetString()));
        for (var i = 0; i < 3; i++)
        {
            var quick = await HttpAssert.OkAsync<JsonElement>(await (await RoomKit.GuestAsync(client, Ct)).PostAsync("/rooms/quick-join", new { topic, nickname = "quick" }, Ct));
            Assert.NotEqual(code, quick.GetProperty("room_code").GetString());
        }
    }

    [Fact]
    public async Task A_leaving_host_hands_over_to_the_earliest_remaining_participant_who_can_then_start()
    {
        var players = await RoomKit.GuestsAsync(client, 3, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(players[0], Ct));
        await RoomKit.JoinAsync(players[1], code, Ct);
        await RoomKit.JoinAsync(players[2], code, Ct);

        Assert.Equal(HttpStatusCode.NoContent, (await players[0].PostAsync($"/rooms/{code}/leave", null, Ct)).StatusCode);
        var newcomer = await RoomKit.GuestAsync(client, Ct);
        await RoomKit.JoinAsync(newcomer, code, Ct);

        var room = await HttpAssert.OkAsync<JsonElement>(await players[2].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(players[1].UserId, room.GetProperty("host_user_id").GetInt64());
        Assert.True(room.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == players[1].UserId).GetProperty("is_host").GetBoolean());
        await HttpAssert.OkAsync<JsonElement>(await players[1].PostAsync($"/rooms/assign-roles/{code}", new { }, Ct));
        var started = await HttpAssert.OkAsync<JsonElement>(await players[1].PostAsync($"/rooms/{code}/start", null, Ct));
        Assert.Equal("started", started.GetProperty("phase").GetString());
    }

    [Fact]
    public async Task Rooms_emptied_one_by_one_close_when_the_last_leaves_and_not_before()
    {
        var players = await RoomKit.GuestsAsync(client, 2, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(players[0], Ct, isPublic: false));
        await RoomKit.JoinAsync(players[1], code, Ct);

        await players[0].PostAsync($"/rooms/{code}/leave", null, Ct);
        var room = await HttpAssert.OkAsync<JsonElement>(await players[1].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(players[1].UserId, room.GetProperty("host_user_id").GetInt64());
        await players[1].PostAsync($"/rooms/{code}/leave", null, Ct);

        await HttpAssert.ProblemAsync(await players[1].GetAsync($"/rooms/{code}", Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await players[0].PostAsync("/rooms/join", new { room_code = code, nickname = "again" }, Ct), HttpStatusCode.NotFound, "room_not_found");
    }
}

public sealed class EmbeddedRoomClosingTests(EmbeddedGatewayFixture gateway)
    : RoomClosingTests(gateway.Client), IClassFixture<EmbeddedGatewayFixture>;

public sealed class ClusterRoomClosingTests(ClusterGatewayFixture cluster)
    : RoomClosingTests(cluster.Client), IClassFixture<ClusterGatewayFixture>;

/// <summary>Abandoned rooms expire: a waiting room with no socket open for Rooms:AbandonedAfterSeconds is closed and unlisted.</summary>
public sealed class AbandonedRoomTests(LocalServices services)
{
    private static readonly Dictionary<string, string?> Quick = new()
    {
        ["Rooms:AbandonedAfterSeconds"] = "2",
        ["Rooms:SweepSeconds"] = "1",
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_waiting_room_nobody_is_connected_to_closes_while_one_with_a_socket_open_stays()
    {
        await using var factory = new GatewayFactory(Quick);
        var address = factory.StartKestrel();
        using var http = new HttpClient { BaseAddress = address };
        var players = await RoomKit.GuestsAsync(http, 2, Ct);

        // The connected room is the older one: were sockets not counted, it would close first.
        var connected = RoomKit.Code(await RoomKit.CreateRoomAsync(players[0], Ct));
        var (socket, _) = await RealtimeKit.JoinAsync(address, players[0], connected, Ct);
        await using var _socket = socket;
        var abandoned = RoomKit.Code(await RoomKit.CreateRoomAsync(players[1], Ct));

        await WaitUntilClosedAsync(players[1], abandoned);

        await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{connected}", Ct));
        var listed = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync("/rooms?page_size=100", Ct));
        var codes = listed.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("room_code").GetString()).ToList();
        Assert.DoesNotContain(abandoned, codes);
        Assert.Contains(connected, codes);
        await HttpAssert.ProblemAsync(await players[0].PostAsync("/rooms/join", new { room_code = abandoned, nickname = "late" }, Ct), HttpStatusCode.NotFound, "room_not_found");
    }

    [Fact]
    public async Task In_cluster_mode_a_room_whose_silo_stopped_is_found_by_the_sweep_and_closed()
    {
        // The first silo waits the default 30 minutes; only the second, which never held the room's
        // activation (nor the timer in it), is quick: the sweep is what must find the room.
        await using var deployment = await ClusterDeployment.StartAsync(services, "abandon_", silos: 1, Ct);
        var before = deployment.CreateGateway();
        var host = await RoomKit.GuestAsync(before.CreateClient(), Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));

        await before.DisposeAsync();
        await deployment.StopAllSilosAsync(Ct);
        await deployment.StartSiloAsync(Ct, WithQuickRooms);
        var after = host with { Client = deployment.CreateGateway().CreateClient() };

        await WaitUntilClosedAsync(after, code);

        await using var connection = new MySqlConnection(deployment.MySqlConnectionString);
        Assert.Equal("closed", await connection.QuerySingleAsync<string>("SELECT status FROM rooms WHERE room_code = @code", new { code }));
    }

    private static void WithQuickRooms(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) =>
        builder.Configuration.AddInMemoryCollection(Quick);

    /// <summary>Polls the room as its own participant until it answers 404; fails after a deadline far beyond the configured times.</summary>
    private static async Task WaitUntilClosedAsync(Player participant, string code)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var response = await participant.GetAsync($"/rooms/{code}", Ct);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                await HttpAssert.ProblemAsync(response, HttpStatusCode.NotFound, "room_not_found");
                return;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(DateTime.UtcNow < deadline, $"Room {code} was still open 60 s later.");
            await Task.Delay(TimeSpan.FromMilliseconds(200), Ct);
        }
    }
}
