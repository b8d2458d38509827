using System.Net;
using System.Text.Json;
using Dapper;
using Dilemma.Grains.Research;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Realtime;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// A game survives a classroom: a closed laptop gets a grace period, a dropout follows the room's
/// <c>on_dropout</c> policy, the host can always act, and every event is one row of
/// <c>room_events</c>. Grace is <see cref="GraceSeconds"/> here; sockets on two gateways in cluster mode.
/// </summary>
public abstract class GameFlowTests(Uri first, Uri second, HttpClient http)
{
    public const int GraceSeconds = 2;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sockets_back_within_the_grace_record_only_reconnecting_and_returned()
    {
        var (players, code) = await StartedRoomAsync("continue");
        var (watcher, _) = await RealtimeKit.JoinAsync(first, players[0], code, Ct);
        await using var _watcher = watcher;
        var (flaky, _) = await RealtimeKit.JoinAsync(second, players[2], code, Ct);
        await flaky.DisposeAsync();

        var reconnecting = await watcher.NextAsync("participant_reconnecting", Ct);
        Assert.Equal(players[2].UserId, reconnecting.GetProperty("peer_id").GetInt64());
        Assert.Equal("reconnecting", PresenceOf(await RoomAsync(players[0], code), players[2].UserId));

        var (back, _) = await RealtimeKit.JoinAsync(second, players[2], code, Ct);
        await using var _back = back;
        Assert.Equal(players[2].UserId, (await watcher.NextAsync("participant_returned", Ct)).GetProperty("peer_id").GetInt64());
        Assert.Equal("present", PresenceOf(await RoomAsync(players[0], code), players[2].UserId));

        // Past the grace period: still nothing more than the two events, and the game goes on with all three.
        await RoomKit.PlayRoundAsync(players, code, 1, Ct);
        Assert.Equal(
            [("participant_reconnecting", players[2].UserId, (int?)null, (long?)null), ("participant_returned", players[2].UserId, null, null)],
            await EventsAsync(code));
        Assert.DoesNotContain(watcher.Received, m => m.GetProperty("type").GetString() == "participant_dropped");
    }

    [Fact]
    public async Task A_dropout_under_continue_finishes_the_game_with_the_two_others()
    {
        var (players, code) = await StartedRoomAsync("continue");
        var (watcher, _) = await RealtimeKit.JoinAsync(first, players[0], code, Ct);
        await using var _watcher = watcher;
        await using (var voice = await RealtimeKit.VoiceAsync(second, players[2], code, Ct))
        {
            // The voice socket alone makes the participant connected; its answer to init says it is registered.
            await voice.SendAsync(new { type = "init" }, Ct);
            await voice.NextAsync("session_state", Ct);
        }

        await watcher.NextAsync("participant_reconnecting", Ct);
        Assert.Equal(players[2].UserId, (await watcher.NextAsync("participant_dropped", Ct)).GetProperty("peer_id").GetInt64());
        Assert.Equal("dropped", PresenceOf(await RoomAsync(players[0], code), players[2].UserId));
        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(players[2], code, 1, 0, 3, Ct), HttpStatusCode.Conflict, "participant_dropped");

        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players[..2], code, round, Ct);
        }

        var room = await RoomAsync(players[0], code);
        Assert.Equal("finished", room.GetProperty("phase").GetString());
        Assert.Equal(5, room.GetProperty("consensus").GetArrayLength());
        var absent = Enumerable.Range(1, 5).Select(r => ("absent", players[2].UserId, (int?)r, (long?)null));
        Assert.Equal(
            [("participant_reconnecting", players[2].UserId, null, null), ("participant_dropped", players[2].UserId, null, null), .. absent],
            await EventsAsync(code));
    }

    [Fact]
    public async Task A_dropout_under_wait_pauses_the_room_until_the_host_removes_the_seat()
    {
        var (players, code) = await StartedRoomAsync("wait");
        Assert.Equal("wait", (await RoomAsync(players[0], code)).GetProperty("on_dropout").GetString());
        var (watcher, _) = await RealtimeKit.JoinAsync(first, players[0], code, Ct);
        await using var _watcher = watcher;
        var (gone, _) = await RealtimeKit.JoinAsync(second, players[1], code, Ct);
        await gone.DisposeAsync();
        await watcher.NextAsync("participant_dropped", Ct);

        Assert.True((await RoomAsync(players[0], code)).GetProperty("paused").GetBoolean());
        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(players[0], code, 1, 0, 3, Ct), HttpStatusCode.Conflict, "room_paused");
        await HttpAssert.ProblemAsync(await players[2].PostAsync($"/rooms/{code}/remove", new { user_id = players[1].UserId }, Ct), HttpStatusCode.Forbidden, "not_host");
        await HttpAssert.ProblemAsync(await players[0].PostAsync($"/rooms/{code}/remove", new { user_id = players[0].UserId }, Ct), HttpStatusCode.Conflict, "participant_present");

        var removed = await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/remove", new { user_id = players[1].UserId }, Ct));
        Assert.False(removed.GetProperty("paused").GetBoolean());
        Assert.Equal("removed", PresenceOf(removed, players[1].UserId));
        await RoomKit.PlayRoundAsync([players[0], players[2]], code, 1, Ct);

        var events = await EventsAsync(code);
        Assert.Equal(
            [
                ("participant_reconnecting", players[1].UserId, null, null),
                ("participant_dropped", players[1].UserId, null, null),
                ("participant_removed", players[1].UserId, null, players[0].UserId),
                ("absent", players[1].UserId, 1, null),
            ],
            events);
    }

    [Fact]
    public async Task Leaving_a_started_game_is_a_dropout_and_a_leaving_host_hands_over_to_the_earliest()
    {
        var (players, code) = await StartedRoomAsync("continue");
        Assert.Equal(HttpStatusCode.NoContent, (await players[0].PostAsync($"/rooms/{code}/leave", null, Ct)).StatusCode);

        var room = await RoomAsync(players[1], code);
        Assert.Equal(players[1].UserId, room.GetProperty("host_user_id").GetInt64());
        Assert.Equal("dropped", PresenceOf(room, players[0].UserId));
        await RoomKit.PlayRoundAsync(players[1..], code, 1, Ct);

        var handed = await HttpAssert.OkAsync<JsonElement>(await players[1].PostAsync($"/rooms/{code}/host", new { user_id = players[2].UserId }, Ct));
        Assert.Equal(players[2].UserId, handed.GetProperty("host_user_id").GetInt64());
        await HttpAssert.ProblemAsync(await players[2].PostAsync($"/rooms/{code}/host", new { user_id = players[0].UserId }, Ct), HttpStatusCode.Conflict, "participant_gone");

        var ended = await HttpAssert.OkAsync<JsonElement>(await players[2].PostAsync($"/rooms/{code}/end", null, Ct));
        Assert.Equal("finished", ended.GetProperty("phase").GetString());
        Assert.Equal(players[2].UserId, ended.GetProperty("ended_early_by").GetInt64());
        Assert.Equal(
            [
                ("participant_dropped", players[0].UserId, null, players[0].UserId),
                ("host_changed", players[1].UserId, null, null),
                ("absent", players[0].UserId, 1, null),
                ("host_changed", players[2].UserId, null, players[1].UserId),
                ("ended_early", null, 2, players[2].UserId),
            ],
            await EventsAsync(code));
    }

    [Fact]
    public async Task An_unknown_dropout_policy_is_refused_naming_the_field()
    {
        var host = await RoomKit.GuestAsync(http, Ct);
        var problem = await HttpAssert.ProblemAsync(
            await host.PostAsync("/rooms/public", new { title = "policy", topic = RoomKit.Topic, on_dropout = "vanish" }, Ct),
            HttpStatusCode.UnprocessableEntity,
            "invalid_on_dropout");
        Assert.Contains("on_dropout", problem.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The room's events in order, as (type, user, round, actor).</summary>
    protected abstract Task<IReadOnlyList<(string Type, long? UserId, int? Round, long? Actor)>> EventsAsync(string code);

    private Task<(Player[] Players, string Code)> StartedRoomAsync(string onDropout) => RoomKit.StartedRoomAsync(http, Ct, onDropout);

    private static async Task<JsonElement> RoomAsync(Player player, string code) =>
        await HttpAssert.OkAsync<JsonElement>(await player.GetAsync($"/rooms/{code}", Ct));

    private static string? PresenceOf(JsonElement room, long userId) =>
        room.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == userId).GetProperty("presence").GetString();
}

/// <summary>An embedded gateway on Kestrel with a short grace period.</summary>
public sealed class GameFlowGatewayFixture() : KestrelGatewayFixture(new Dictionary<string, string?> { ["Game:ReconnectGraceSeconds"] = GameFlowTests.GraceSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });

public sealed class EmbeddedGameFlowTests(GameFlowGatewayFixture gateway)
    : GameFlowTests(gateway.Address, gateway.Address, gateway.Client), IClassFixture<GameFlowGatewayFixture>
{
    protected override Task<IReadOnlyList<(string Type, long? UserId, int? Round, long? Actor)>> EventsAsync(string code) =>
        Task.FromResult<IReadOnlyList<(string, long?, int?, long?)>>(
            gateway.Services.GetRequiredService<InMemoryResearchStore>().RoomEvents(code).Select(e => (e.EventType, e.UserId, e.RoundNumber, e.ActorId)).ToList());
}

/// <summary>Two silos on MariaDB and Redis with a short grace period, and two gateways on Kestrel.</summary>
public sealed class GameFlowClusterFixture(LocalServices services) : IAsyncLifetime
{
    public ClusterDeployment Deployment { get; private set; } = null!;

    public Uri First { get; private set; } = null!;

    public Uri Second { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Deployment = await ClusterDeployment.CreateAsync(services, "gameflow_", TestContext.Current.CancellationToken);
        for (var i = 0; i < 2; i++)
        {
            await Deployment.StartSiloAsync(
                TestContext.Current.CancellationToken,
                builder => builder.Configuration["Game:ReconnectGraceSeconds"] = GameFlowTests.GraceSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        First = Deployment.CreateGateway().StartKestrel();
        Second = Deployment.CreateGateway().StartKestrel();
        Client = new HttpClient { BaseAddress = First };
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

public sealed class ClusterGameFlowTests(GameFlowClusterFixture cluster)
    : GameFlowTests(cluster.First, cluster.Second, cluster.Client), IClassFixture<GameFlowClusterFixture>
{
    protected override async Task<IReadOnlyList<(string Type, long? UserId, int? Round, long? Actor)>> EventsAsync(string code)
    {
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var rows = await connection.QueryAsync<(string, long?, int?, long?)>(
            "SELECT event_type, user_id, round_number, actor_id FROM room_events WHERE room_code = @code ORDER BY id",
            new { code });
        return rows.ToList();
    }
}
