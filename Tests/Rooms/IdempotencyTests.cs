using System.Net;
using System.Text.Json;
using Dapper;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;
using Dilemma.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// Issue 20: every state-changing room endpoint is safe to retry with an <c>Idempotency-Key</c>: the
/// retry gets the first answer (status and body) and changes nothing, even after the room changed
/// in between or was deactivated. In both modes; the cluster mode also counts rows in MariaDB.
/// </summary>
public abstract class IdempotencyTests(HttpClient client, IGrainFactory grains, string? mySql)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_retried_room_creation_answers_the_first_answer_and_leaves_exactly_one_room()
    {
        var host = await RoomKit.GuestAsync(client, Ct);
        var title = "Once " + Guid.NewGuid().ToString("N")[..8];
        var key = NewKey();
        var body = new { title, topic = RoomKit.Topic };

        var first = await Answer(await host.PostAsync("/rooms/public", body, Ct, key));
        var retry = await Answer(await host.PostAsync("/rooms/public", body, Ct, key));

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(first, retry);
        Assert.Equal(1, await ListedWithTitleAsync(host, title));
        await AssertRoomRowsAsync(title, 1);
    }

    [Fact]
    public async Task Duplicates_sent_at_once_with_one_key_open_one_room()
    {
        var host = await RoomKit.GuestAsync(client, Ct);
        var title = "Burst " + Guid.NewGuid().ToString("N")[..8];
        var key = NewKey();

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
            await Answer(await host.PostAsync("/rooms/private", new { title, topic = RoomKit.Topic }, Ct, key))));

        Assert.Equal(HttpStatusCode.Created, answers[0].Status);
        Assert.All(answers, a => Assert.Equal(answers[0], a));
        await AssertRoomRowsAsync(title, 1);
    }

    [Fact]
    public async Task Join_roles_and_start_answer_a_retry_with_the_first_answer_even_after_the_room_changed()
    {
        var players = await RoomKit.GuestsAsync(client, 3, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(players[0], Ct));
        var joinKey = NewKey();
        var join = new { room_code = code, nickname = "second" };

        var joined = await Answer(await players[1].PostAsync("/rooms/join", join, Ct, joinKey));
        await RoomKit.JoinAsync(players[2], code, Ct);
        var joinedAgain = await Answer(await players[1].PostAsync("/rooms/join", join, Ct, joinKey));

        Assert.Equal(HttpStatusCode.OK, joined.Status);
        Assert.Equal(joined, joinedAgain);
        Assert.Equal(2, JsonDocument.Parse(joinedAgain.Body).RootElement.GetProperty("room").GetProperty("participants").GetArrayLength());

        var assignments = players.Select((p, i) => new { user_id = p.UserId, role_id = i + 1 }).ToArray();
        var rolesKey = NewKey();
        var roles = await Answer(await players[0].PostAsync($"/rooms/assign-roles/{code}", new { assignments }, Ct, rolesKey));
        var startKey = NewKey();
        var started = await Answer(await players[0].PostAsync($"/rooms/{code}/start", null, Ct, startKey));
        var rolesAgain = await Answer(await players[0].PostAsync($"/rooms/assign-roles/{code}", new { assignments }, Ct, rolesKey));
        var startedAgain = await Answer(await players[0].PostAsync($"/rooms/{code}/start", null, Ct, startKey));

        Assert.Equal(HttpStatusCode.OK, roles.Status);
        Assert.Equal(roles, rolesAgain);
        Assert.Equal(HttpStatusCode.OK, started.Status);
        Assert.Equal(started, startedAgain);

        // Nothing changed by the retries: the room is where the last real change left it.
        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal("started", room.GetProperty("phase").GetString());
        Assert.Equal(JsonDocument.Parse(started.Body).RootElement.GetProperty("version").GetInt32(), room.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task A_retried_leave_answers_204_and_does_not_unseat_a_participant_who_came_back()
    {
        var players = await RoomKit.GuestsAsync(client, 2, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(players[0], Ct));
        await RoomKit.JoinAsync(players[1], code, Ct);
        var key = NewKey();

        var left = await Answer(await players[1].PostAsync($"/rooms/{code}/leave", null, Ct, key));
        await RoomKit.JoinAsync(players[1], code, Ct);
        var leftAgain = await Answer(await players[1].PostAsync($"/rooms/{code}/leave", null, Ct, key));

        Assert.Equal(HttpStatusCode.NoContent, left.Status);
        Assert.Equal(left, leftAgain);
        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        Assert.Contains(players[1].UserId, room.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("user_id").GetInt64()));
    }

    [Fact]
    public async Task A_retried_quick_join_takes_one_seat_and_answers_the_first_answer()
    {
        var guest = await RoomKit.GuestAsync(client, Ct);
        var key = NewKey();
        var body = new { topic = "emotion-recognition", nickname = "quick" };

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
            await Answer(await guest.PostAsync("/rooms/quick-join", body, Ct, key))));
        var later = await Answer(await guest.PostAsync("/rooms/quick-join", body, Ct, key));

        Assert.Equal(HttpStatusCode.OK, answers[0].Status);
        Assert.All(answers, a => Assert.Equal(answers[0], a));
        Assert.Equal(answers[0], later);
        var code = JsonDocument.Parse(later.Body).RootElement.GetProperty("room_code").GetString();
        var room = await HttpAssert.OkAsync<JsonElement>(await guest.GetAsync($"/rooms/{code}", Ct));
        Assert.Single(room.GetProperty("participants").EnumerateArray(), p => p.GetProperty("user_id").GetInt64() == guest.UserId);
    }

    [Fact]
    public async Task A_creation_refused_with_a_4xx_does_not_keep_its_key()
    {
        var host = await RoomKit.GuestAsync(client, Ct);
        var key = NewKey();

        await HttpAssert.ProblemAsync(
            await host.PostAsync("/rooms/public", new { title = "Refused", topic = "no-such-topic" }, Ct, key), HttpStatusCode.UnprocessableEntity, "unknown_topic");
        var created = await HttpAssert.OkAsync<JsonElement>(
            await host.PostAsync("/rooms/public", new { title = "Refused", topic = RoomKit.Topic }, Ct, key), HttpStatusCode.Created);

        Assert.Equal(RoomKit.Topic, created.GetProperty("topic").GetString());
    }

    [Fact]
    public async Task A_key_used_again_for_a_different_request_is_422_naming_the_header()
    {
        var host = await RoomKit.GuestAsync(client, Ct);
        var key = NewKey();
        var title = "Reuse " + Guid.NewGuid().ToString("N")[..8];
        var created = await Answer(await host.PostAsync("/rooms/public", new { title, topic = RoomKit.Topic }, Ct, key));
        var code = JsonDocument.Parse(created.Body).RootElement.GetProperty("room_code").GetString()!;

        var otherTitle = await HttpAssert.ProblemAsync(
            await host.PostAsync("/rooms/public", new { title = title + "!", topic = RoomKit.Topic }, Ct, key), HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal("Idempotency-Key", otherTitle.GetProperty("field").GetString());

        var guest = await RoomKit.GuestAsync(client, Ct);
        var roomKey = NewKey();
        await HttpAssert.OkAsync<JsonElement>(await guest.PostAsync("/rooms/join", new { room_code = code, nickname = "g" }, Ct, roomKey));
        var otherEndpoint = await HttpAssert.ProblemAsync(
            await guest.PostAsync($"/rooms/{code}/leave", null, Ct, roomKey), HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal("Idempotency-Key", otherEndpoint.GetProperty("field").GetString());
        var otherNickname = await HttpAssert.ProblemAsync(
            await guest.PostAsync("/rooms/join", new { room_code = code, nickname = "h" }, Ct, roomKey), HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal("Idempotency-Key", otherNickname.GetProperty("field").GetString());

        // The refused requests changed nothing: one room with that title, the guest still seated.
        await AssertRoomRowsAsync(title, 1);
        await AssertRoomRowsAsync(title + "!", 0);
        var room = await HttpAssert.OkAsync<JsonElement>(await host.GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(2, room.GetProperty("participants").GetArrayLength());
    }

    [Theory]
    [InlineData("k", 129)]
    [InlineData("tab\tinside", 1)]
    public async Task A_malformed_key_is_400_naming_the_header(string part, int times)
    {
        var host = await RoomKit.GuestAsync(client, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));
        var key = string.Concat(Enumerable.Repeat(part, times));

        foreach (var response in new[]
        {
            await host.PostAsync("/rooms/public", new { title = "t", topic = RoomKit.Topic }, Ct, key),
            await host.PostAsync("/rooms/quick-join", new { topic = RoomKit.Topic }, Ct, key),
            await host.PostAsync("/rooms/join", new { room_code = code }, Ct, key),
            await host.PostAsync($"/rooms/assign-roles/{code}", null, Ct, key),
            await host.PostAsync($"/rooms/{code}/start", null, Ct, key),
            await host.PostAsync($"/rooms/{code}/leave", null, Ct, key),
        })
        {
            var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "invalid_idempotency_key");
            Assert.Equal("Idempotency-Key", problem.GetProperty("field").GetString());
        }

        var room = await HttpAssert.OkAsync<JsonElement>(await host.GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(1, room.GetProperty("participants").GetArrayLength());
    }

    [Fact]
    public async Task Kept_answers_survive_the_room_and_creation_grains_being_deactivated()
    {
        var players = await RoomKit.GuestsAsync(client, 3, Ct);
        var createKey = NewKey();
        var body = new { title = "Kept " + Guid.NewGuid().ToString("N")[..8], topic = RoomKit.Topic };
        var created = await Answer(await players[0].PostAsync("/rooms/public", body, Ct, createKey));
        var code = JsonDocument.Parse(created.Body).RootElement.GetProperty("room_code").GetString()!;
        var joinKey = NewKey();
        var joined = await Answer(await players[1].PostAsync("/rooms/join", new { room_code = code }, Ct, joinKey));
        await RoomKit.JoinAsync(players[2], code, Ct);

        await grains.GetGrain<Orleans.Runtime.IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero, Ct);

        Assert.Equal(created, await Answer(await players[0].PostAsync("/rooms/public", body, Ct, createKey)));
        Assert.Equal(joined, await Answer(await players[1].PostAsync("/rooms/join", new { room_code = code }, Ct, joinKey)));
        await AssertRoomRowsAsync(body.title, 1);
    }

    [Fact]
    public async Task Without_the_header_a_repeated_start_is_still_409()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);

        await HttpAssert.ProblemAsync(await players[0].PostAsync($"/rooms/{code}/start", null, Ct), HttpStatusCode.Conflict, "room_started");
    }

    [Fact]
    public async Task A_retried_end_early_answers_the_first_answer_and_records_the_end_once()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
        var key = NewKey();

        var ended = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
            await Answer(await players[0].PostAsync($"/rooms/{code}/end", null, Ct, key))));
        var endedAgain = await Answer(await players[0].PostAsync($"/rooms/{code}/end", null, Ct, key));

        Assert.Equal(HttpStatusCode.OK, ended[0].Status);
        Assert.All(ended, a => Assert.Equal(ended[0], a));
        Assert.Equal(ended[0], endedAgain);
        Assert.Equal("finished", JsonDocument.Parse(endedAgain.Body).RootElement.GetProperty("phase").GetString());
        Assert.Single(await EventTypesAsync(code), t => t == "ended_early");

        // Without the key the same request is a new one, refused by the rule: the game is over.
        await HttpAssert.ProblemAsync(await players[0].PostAsync($"/rooms/{code}/end", null, Ct), HttpStatusCode.Conflict, "room_finished");
    }

    [Fact]
    public async Task A_retried_bot_seating_answers_the_first_answer_and_seats_the_bot_once()
    {
        var host = await RoomKit.GuestAsync(client, Ct);
        var code = (await RoomKit.CreateRoomAsync(host, Ct)).GetProperty("room_code").GetString()!;
        var key = NewKey();

        var seated = await Answer(await host.PostAsync($"/rooms/{code}/bots", new { bots = 1 }, Ct, key));
        var seatedAgain = await Answer(await host.PostAsync($"/rooms/{code}/bots", new { bots = 1 }, Ct, key));

        Assert.Equal(HttpStatusCode.OK, seated.Status);
        Assert.Equal(seated, seatedAgain);
        var room = await HttpAssert.OkAsync<JsonElement>(await host.GetAsync($"/rooms/{code}", Ct));
        Assert.Single(room.GetProperty("participants").EnumerateArray(), p => p.GetProperty("is_bot").GetBoolean());
        await HttpAssert.ProblemAsync(
            await host.PostAsync($"/rooms/{code}/bots", new { bots = 2 }, Ct, key), HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
    }

    [Fact]
    public async Task A_retried_hand_over_answers_the_first_answer_and_does_not_take_the_role_back()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
        var key = NewKey();
        var handed = await Answer(await players[0].PostAsync($"/rooms/{code}/host", new { user_id = players[1].UserId }, Ct, key));
        await HttpAssert.OkAsync<JsonElement>(await players[1].PostAsync($"/rooms/{code}/host", new { user_id = players[0].UserId }, Ct));

        var handedAgain = await Answer(await players[0].PostAsync($"/rooms/{code}/host", new { user_id = players[1].UserId }, Ct, key));

        Assert.Equal(HttpStatusCode.OK, handed.Status);
        Assert.Equal(handed, handedAgain);
        Assert.Equal(players[1].UserId, JsonDocument.Parse(handedAgain.Body).RootElement.GetProperty("host_user_id").GetInt64());
        var reused = await HttpAssert.ProblemAsync(
            await players[0].PostAsync($"/rooms/{code}/host", new { user_id = players[2].UserId }, Ct, key), HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal("Idempotency-Key", reused.GetProperty("field").GetString());

        // The host is who the hand-back made host; two hand-overs happened, not three or four.
        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(players[0].UserId, room.GetProperty("host_user_id").GetInt64());
        Assert.Equal(2, (await EventTypesAsync(code)).Count(t => t == "host_changed"));
    }

    [Fact]
    public async Task A_retried_remove_answers_the_first_answer_and_the_key_cannot_remove_another()
    {
        // Nobody in this room ever opened a socket: every seat but the host's may be removed.
        var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
        var key = NewKey();

        var removed = await Answer(await players[0].PostAsync($"/rooms/{code}/remove", new { user_id = players[2].UserId }, Ct, key));
        var removedAgain = await Answer(await players[0].PostAsync($"/rooms/{code}/remove", new { user_id = players[2].UserId }, Ct, key));
        var reused = await HttpAssert.ProblemAsync(
            await players[0].PostAsync($"/rooms/{code}/remove", new { user_id = players[1].UserId }, Ct, key), HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");

        Assert.Equal(HttpStatusCode.OK, removed.Status);
        Assert.Equal(removed, removedAgain);
        Assert.Equal("Idempotency-Key", reused.GetProperty("field").GetString());
        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(JsonDocument.Parse(removed.Body).RootElement.GetProperty("version").GetInt32(), room.GetProperty("version").GetInt32());
        Assert.Equal("removed", PresenceOf(room, players[2].UserId));
        Assert.NotEqual("removed", PresenceOf(room, players[1].UserId));
        Assert.Single(await EventTypesAsync(code), t => t == "participant_removed");
    }

    [Fact]
    public async Task A_retried_leave_of_a_started_game_answers_the_first_answer_and_drops_once()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
        var key = NewKey();

        var left = await Answer(await players[2].PostAsync($"/rooms/{code}/leave", null, Ct, key));
        var leftAgain = await Answer(await players[2].PostAsync($"/rooms/{code}/leave", null, Ct, key));

        Assert.Equal(HttpStatusCode.NoContent, left.Status);
        Assert.Equal(left, leftAgain);
        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal("dropped", PresenceOf(room, players[2].UserId));
        Assert.Single(await EventTypesAsync(code), t => t == "participant_dropped");
    }

    private static string NewKey() => Guid.NewGuid().ToString();

    private static string? PresenceOf(JsonElement room, long userId) =>
        room.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == userId).GetProperty("presence").GetString();

    /// <summary>The types of the room's rows of <c>room_events</c>, in order.</summary>
    protected abstract Task<IReadOnlyList<string>> EventTypesAsync(string code);


    private static async Task<(HttpStatusCode Status, string Body, string? Location)> Answer(HttpResponseMessage response) =>
        (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location?.ToString());

    private static async Task<int> ListedWithTitleAsync(Player player, string title)
    {
        var page = await HttpAssert.OkAsync<JsonElement>(await player.GetAsync($"/rooms?topic={RoomKit.Topic}&page_size=100", Ct));
        return page.GetProperty("items").EnumerateArray().Count(r => r.GetProperty("title").GetString() == title);
    }

    /// <summary>In cluster mode, the rows of the research table <c>rooms</c> with this title (what listings and quick join read).</summary>
    private async Task AssertRoomRowsAsync(string title, int expected)
    {
        if (mySql is null)
        {
            return;
        }

        await using var connection = new MySqlConnection(mySql);
        Assert.Equal(expected, await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT COUNT(*) FROM rooms WHERE title = @title", new { title }, cancellationToken: Ct)));
    }
}

public sealed class EmbeddedIdempotencyTests(EmbeddedGatewayFixture gateway)
    : IdempotencyTests(gateway.Client, gateway.Grains, mySql: null), IClassFixture<EmbeddedGatewayFixture>
{
    protected override Task<IReadOnlyList<string>> EventTypesAsync(string code) =>
        Task.FromResult<IReadOnlyList<string>>(gateway.Factory.Services.GetRequiredService<InMemoryResearchStore>().RoomEvents(code).Select(e => e.EventType).ToList());
}

public sealed class ClusterIdempotencyTests(ClusterGatewayFixture cluster)
    : IdempotencyTests(cluster.Client, cluster.Grains, cluster.Deployment.MySqlConnectionString), IClassFixture<ClusterGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// A creation writes the research row first and the room's state last; a silo that dies in between
    /// leaves a listed row with no room. The retry under the same key comes back to the same code and
    /// finishes that room instead of drawing another: still one row, now with a room behind it.
    /// </summary>
    [Fact]
    public async Task A_creation_that_stopped_after_its_research_row_is_finished_by_its_retry()
    {
        var players = await RoomKit.GuestsAsync(cluster.Client, 2, Ct);
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var (ours, theirs) = (await UnusedCodeAsync(connection), await UnusedCodeAsync(connection));
        foreach (var (code, host) in new[] { (ours, players[0].UserId), (theirs, players[1].UserId) })
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO rooms (room_code, title, topic, is_public, host_user_id, status, current_round, scenario_id, created_at)
                VALUES (@code, 'unfinished', @topic, TRUE, @host, 'waiting', 0, NULL, UTC_TIMESTAMP(6))
                """,
                new { code, topic = RoomKit.Topic, host },
                cancellationToken: Ct));
        }

        var creation = new RoomCreation("Finished " + Guid.NewGuid().ToString("N")[..8], RoomKit.Topic, IsPublic: true, players[0].UserId, "host");
        var command = new RoomCommand(RoomCommandKind.Create, players[0].UserId, Creation: creation);

        var room = await cluster.Grains.GetGrain<IRoomGrain>(ours).RunOnceAsync(command, Guid.NewGuid().ToString(), Ct);
        var refused = await Assert.ThrowsAsync<RuleViolationException>(() => cluster.Grains.GetGrain<IRoomGrain>(theirs).RunOnceAsync(command, Guid.NewGuid().ToString(), Ct));

        Assert.Equal(ours, room.Code);
        Assert.Equal("room_exists", refused.Code);
        var titles = await connection.QueryAsync<string>(new CommandDefinition("SELECT title FROM rooms WHERE room_code = @ours", new { ours }, cancellationToken: Ct));
        Assert.Equal([creation.Title], titles);
        var seen = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{ours}", Ct));
        Assert.Equal(players[0].UserId, seen.GetProperty("host_user_id").GetInt64());
    }

    protected override async Task<IReadOnlyList<string>> EventTypesAsync(string code)
    {
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var types = await connection.QueryAsync<string>(new CommandDefinition("SELECT event_type FROM room_events WHERE room_code = @code ORDER BY id", new { code }, cancellationToken: Ct));
        return types.ToList();
    }

    private static async Task<string> UnusedCodeAsync(MySqlConnection connection)
    {
        while (true)
        {
            var code = Random.Shared.Next(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
            if (await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT COUNT(*) FROM rooms WHERE room_code = @code", new { code }, cancellationToken: Ct)) == 0)
            {
                return code;
            }
        }
    }
}
