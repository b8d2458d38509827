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
            [("participant_reconnecting", players[2].UserId, (int?)1, (long?)null), ("participant_returned", players[2].UserId, 1, null)],
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
            [("participant_reconnecting", players[2].UserId, 1, null), ("participant_dropped", players[2].UserId, 1, null), .. absent],
            await EventsAsync(code));
    }

    [Fact]
    public async Task A_host_dropped_with_nobody_left_hands_over_to_the_first_who_comes_back()
    {
        var (players, code) = await StartedRoomAsync("continue");

        // The two others go first, then the host: nobody is left to take the role on, so the host keeps it, gone.
        foreach (var order in new[] { new[] { 1, 2 }, [0] })
        {
            foreach (var i in order)
            {
                var (socket, _) = await RealtimeKit.JoinAsync(first, players[i], code, Ct);
                await socket.DisposeAsync();
            }

            await EventuallyAsync(
                () => RoomAsync(players[1], code),
                room => order.All(i => PresenceOf(room, players[i].UserId) == "dropped"),
                $"players {string.Join(", ", order)} dropped");
        }

        Assert.Equal(players[0].UserId, (await RoomAsync(players[1], code)).GetProperty("host_user_id").GetInt64());

        // One comes back alone: the decision is theirs to record, or the game would wait for ever for a host who is gone.
        var (back, _) = await RealtimeKit.JoinAsync(second, players[1], code, Ct);
        await using var _back = back;
        var room = await EventuallyAsync(() => RoomAsync(players[1], code), r => PresenceOf(r, players[1].UserId) == "present", "the return");
        Assert.Equal(players[1].UserId, room.GetProperty("host_user_id").GetInt64());
        Assert.Contains(("host_changed", players[1].UserId, (int?)1, (long?)null), await EventsAsync(code));
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[1], code, 1, 0, 3, Ct), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[1], code, 1, 0, 3, Ct), HttpStatusCode.Created);
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
        // Someone not seated here is named as such: not the room's, nor the caller's, problem.
        var stranger = players.Max(p => p.UserId) + 1_000_000;
        await HttpAssert.ProblemAsync(await players[0].PostAsync($"/rooms/{code}/remove", new { user_id = stranger }, Ct), HttpStatusCode.NotFound, "participant_not_found");
        await HttpAssert.ProblemAsync(await players[0].PostAsync($"/rooms/{code}/host", new { user_id = stranger }, Ct), HttpStatusCode.NotFound, "participant_not_found");

        var removed = await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/remove", new { user_id = players[1].UserId }, Ct));
        Assert.False(removed.GetProperty("paused").GetBoolean());
        Assert.Equal("removed", PresenceOf(removed, players[1].UserId));
        await RoomKit.PlayRoundAsync([players[0], players[2]], code, 1, Ct);

        var events = await EventsAsync(code);
        Assert.Equal(
            [
                ("participant_reconnecting", players[1].UserId, 1, null),
                ("participant_dropped", players[1].UserId, 1, null),
                ("participant_removed", players[1].UserId, 1, players[0].UserId),
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
                ("participant_dropped", players[0].UserId, 1, players[0].UserId),
                ("host_changed", players[1].UserId, 1, null),
                ("absent", players[0].UserId, 1, null),
                ("host_changed", players[2].UserId, 2, players[1].UserId),
                ("ended_early", null, 2, players[2].UserId),
            ],
            await EventsAsync(code));
    }

    [Fact]
    public async Task At_the_choice_deadline_the_missing_choice_is_timed_out_and_the_consensus_opens()
    {
        var (players, code) = await TimedRoomAsync(choiceSeconds: 2, consensusSeconds: null);
        var started = await RoomAsync(players[0], code);
        Assert.Equal("choice", started.GetProperty("deadline_kind").GetString());
        var deadline = started.GetProperty("deadline_at").GetDateTimeOffset();
        Assert.InRange(deadline - started.GetProperty("started_at").GetDateTimeOffset(), TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(2.1));
        await HttpAssert.ProblemAsync(await RoomKit.ConsensusAsync(players[0], code, 1, 0, 3, Ct), HttpStatusCode.Conflict, "choices_pending");
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 1, 0, 3, Ct), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[1], code, 1, 1, 3, Ct), HttpStatusCode.Created);

        await EventuallyAsync(() => RoomAsync(players[0], code), r => r.GetProperty("deadline_kind").ValueKind == JsonValueKind.Null, "the choice deadline to pass");
        Assert.Equal([("timed_out", players[2].UserId, (int?)1, (long?)null)], await EventsAsync(code));
        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(players[2], code, 1, 0, 3, Ct), HttpStatusCode.Conflict, "choices_closed");
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[2], code, 1, 1, 4, Ct), HttpStatusCode.Created);

        var next = await RoomAsync(players[0], code);
        Assert.Equal(2, next.GetProperty("current_round").GetInt32());
        Assert.Equal("choice", next.GetProperty("deadline_kind").GetString());
    }

    /// <summary>Every choice timed out, then the group decided: a round with a consensus and no individual choice.</summary>
    [Fact]
    public async Task A_round_decided_without_any_individual_choice_still_has_statistics_and_feedback()
    {
        var (players, code) = await TimedRoomAsync(choiceSeconds: 1, consensusSeconds: null);
        await EventuallyAsync(() => RoomAsync(players[0], code), r => r.GetProperty("deadline_kind").ValueKind == JsonValueKind.Null, "the choice deadline to pass");
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 1, 1, 4, Ct), HttpStatusCode.Created);

        var statistics = await HttpAssert.OkAsync<JsonElement>(await players[1].GetAsync($"/rooms/{code}/statistics", Ct));
        var feedback = await Ai.AiKit.FeedbackAsync(players[1], code, new { }, Ct);

        var totals = statistics.GetProperty("totals");
        Assert.Equal(1, totals.GetProperty("rounds_completed").GetInt32());
        Assert.Equal(4, totals.GetProperty("mean_consensus_confidence").GetDouble());
        Assert.Equal(JsonValueKind.Null, totals.GetProperty("mean_confidence_shift").ValueKind);
        Assert.Equal(0, statistics.GetProperty("rounds")[0].GetProperty("choices").GetArrayLength());
        await HttpAssert.OkAsync<JsonElement>(feedback);
    }

    [Fact]
    public async Task At_the_consensus_deadline_the_round_is_no_consensus_and_the_next_opens()
    {
        var (players, code) = await TimedRoomAsync(choiceSeconds: null, consensusSeconds: 2);
        Assert.Equal(JsonValueKind.Null, (await RoomAsync(players[0], code)).GetProperty("deadline_at").ValueKind);
        for (var i = 0; i < 3; i++)
        {
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[i], code, 1, i % 2, 3, Ct), HttpStatusCode.Created);
        }

        // The last choice opened the consensus, and its clock.
        Assert.Equal("consensus", (await RoomAsync(players[0], code)).GetProperty("deadline_kind").GetString());
        var next = await EventuallyAsync(() => RoomAsync(players[0], code), r => r.GetProperty("current_round").GetInt32() == 2, "round 2 to open");
        Assert.Equal(0, next.GetProperty("consensus").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, next.GetProperty("deadline_kind").ValueKind);
        Assert.Equal([("no_consensus", (long?)null, (int?)1, (long?)null)], await EventsAsync(code));
        await HttpAssert.ProblemAsync(await RoomKit.ConsensusAsync(players[0], code, 1, 0, 3, Ct), HttpStatusCode.Conflict, "wrong_round");
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
        var timer = await HttpAssert.ProblemAsync(
            await host.PostAsync("/rooms/public", new { title = "timer", topic = RoomKit.Topic, choice_seconds = 0 }, Ct),
            HttpStatusCode.UnprocessableEntity,
            "invalid_timer");
        Assert.Contains("choice_seconds", timer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_starts_with_two_bots_and_finishes_the_game_alone()
    {
        var host = await RoomKit.GuestAsync(http, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct, isPublic: false));
        await HttpAssert.ProblemAsync(await host.PostAsync($"/rooms/{code}/bots", new { bots = 3 }, Ct), HttpStatusCode.UnprocessableEntity, "invalid_bots");
        await HttpAssert.ProblemAsync(await host.PostAsync($"/rooms/{code}/bots", new { }, Ct), HttpStatusCode.BadRequest, "missing_field");
        var seated = await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/{code}/bots", new { bots = 2 }, Ct));
        Assert.Equal([false, true, true], seated.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("is_bot").GetBoolean()));
        await HttpAssert.ProblemAsync(await host.PostAsync($"/rooms/{code}/bots", new { bots = 1 }, Ct), HttpStatusCode.Conflict, "room_full");

        await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/assign-roles/{code}", new { }, Ct));
        var started = await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/{code}/start", null, Ct));
        var bots = started.GetProperty("participants").EnumerateArray().Where(p => p.GetProperty("is_bot").GetBoolean())
            .Select(p => (Id: p.GetProperty("user_id").GetInt64(), Role: p.GetProperty("role_id").GetInt32())).ToList();
        await HttpAssert.ProblemAsync(await host.PostAsync($"/rooms/{code}/host", new { user_id = bots[0].Id }, Ct), HttpStatusCode.Conflict, "participant_is_bot");

        // The bots chose as the round opened: the host alone chooses and records every consensus.
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync([host], code, round, Ct);
        }

        var room = await RoomAsync(host, code);
        Assert.Equal("finished", room.GetProperty("phase").GetString());
        Assert.Equal(5, room.GetProperty("consensus").GetArrayLength());
        Assert.All(room.GetProperty("consensus").EnumerateArray(), c => Assert.Equal(host.UserId, c.GetProperty("submitted_by").GetInt64()));
        await AssertBotChoicesAsync(code, room, bots);
        Assert.Empty(await EventsAsync(code));
    }

    [Fact]
    public async Task A_dropout_under_bot_is_replaced_by_a_bot_and_the_game_finishes_with_its_rows_marked()
    {
        var (players, code) = await StartedRoomAsync(DropoutPolicyBot);
        var role = RoleOf(await RoomAsync(players[0], code), players[2].UserId);
        Assert.Equal(HttpStatusCode.NoContent, (await players[2].PostAsync($"/rooms/{code}/leave", null, Ct)).StatusCode);

        var room = await RoomAsync(players[0], code);
        var bot = room.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("is_bot").GetBoolean());
        Assert.Equal(role, bot.GetProperty("role_id").GetInt32());
        Assert.Equal("present", bot.GetProperty("presence").GetString());
        Assert.Equal("removed", PresenceOf(room, players[2].UserId));
        var botId = bot.GetProperty("user_id").GetInt64();

        // The seat is the bot's now: its user coming back is turned away, not seated beside the bot in the same role.
        await using (var back = await RealtimeKit.SignalingAsync(first, players[2], code, Ct))
        {
            Assert.Equal((System.Net.WebSockets.WebSocketCloseStatus)4003, await back.ClosedAsync(Ct));
        }

        room = await RoomAsync(players[0], code);
        Assert.Equal("removed", PresenceOf(room, players[2].UserId));
        Assert.Equal([1, 2, 3], room.GetProperty("participants").EnumerateArray().Where(p => p.GetProperty("presence").GetString() == "present").Select(p => p.GetProperty("role_id").GetInt32()).Order());
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players[..2], code, round, Ct);
        }

        room = await RoomAsync(players[0], code);
        Assert.Equal("finished", room.GetProperty("phase").GetString());
        await AssertBotChoicesAsync(code, room, [(botId, role)]);
        var absent = Enumerable.Range(1, 5).Select(r => ("absent", (long?)players[2].UserId, (int?)r, (long?)null));
        Assert.Equal(
            [("participant_dropped", players[2].UserId, 1, players[2].UserId), ("participant_removed", players[2].UserId, 1, null), ("bot_joined", botId, 1, null), .. absent],
            await EventsAsync(code));
        Assert.Equal([RoomEventBotJoined], await BotEventTypesAsync(code));
    }

    [Fact]
    public async Task A_bot_taking_a_seat_whose_player_had_chosen_makes_no_second_choice_for_the_role_in_that_round()
    {
        var (players, code) = await StartedRoomAsync(DropoutPolicyBot);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[2], code, 1, 1, 5, Ct), HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.NoContent, (await players[2].PostAsync($"/rooms/{code}/leave", null, Ct)).StatusCode);

        // The role has its choice of round 1, the player's: the bot is counted as chosen and the room waits for the two others only.
        var room = await RoomAsync(players[0], code);
        var botId = room.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("is_bot").GetBoolean()).GetProperty("user_id").GetInt64();
        Assert.Equal(RoleOf(room, players[2].UserId), RoleOf(room, botId));
        Assert.Equal([players[2].UserId, botId], room.GetProperty("chosen_this_round").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Empty(room.GetProperty("bot_choices").EnumerateArray());
        await RoomKit.PlayRoundAsync(players[..2], code, 1, Ct);

        // Round 2 the bot chooses as any round of its own.
        room = await RoomKit.WithBotChoicesAsync(players[0], code, 1, Ct);
        Assert.Equal([(2, botId)], room.GetProperty("bot_choices").EnumerateArray().Select(c => (c.GetProperty("round_number").GetInt32(), c.GetProperty("user_id").GetInt64())));
        Assert.Equal([botId], room.GetProperty("chosen_this_round").EnumerateArray().Select(e => e.GetInt64()));

        // One row per role in round 1 (the player's is theirs, not the bot's), and none of it counted as the bot's.
        var firstRound = (await ChoicesAsync(code)).Where(c => c.Round == 1).ToList();
        Assert.Equal(players.Select(p => p.UserId).Order(), firstRound.Select(c => c.UserId).Order());
        Assert.DoesNotContain(firstRound, c => c.IsBot);
        Assert.Contains((players[2].UserId, 1, 1, 5, false), firstRound);
        var statistics = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}/statistics", Ct));
        Assert.Equal(3, statistics.GetProperty("rounds")[0].GetProperty("choices").GetArrayLength());
    }

    [Fact]
    public async Task Staying_away_under_bot_gives_the_seat_to_a_bot_after_the_grace_and_the_game_finishes_with_its_rows_marked()
    {
        var (players, code) = await StartedRoomAsync(DropoutPolicyBot);
        var role = RoleOf(await RoomAsync(players[0], code), players[2].UserId);
        var (watcher, _) = await RealtimeKit.JoinAsync(first, players[0], code, Ct);
        await using var _watcher = watcher;
        var (gone, _) = await RealtimeKit.JoinAsync(second, players[2], code, Ct);
        await gone.DisposeAsync();
        await watcher.NextAsync("participant_reconnecting", Ct);
        Assert.Equal(players[2].UserId, (await watcher.NextAsync("participant_dropped", Ct)).GetProperty("peer_id").GetInt64());

        // The seat is the bot's by the time the others are told of the dropout.
        var bot = (await RoomAsync(players[0], code)).GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("is_bot").GetBoolean());
        Assert.Equal(role, bot.GetProperty("role_id").GetInt32());
        var botId = bot.GetProperty("user_id").GetInt64();
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players[..2], code, round, Ct);
        }

        var room = await RoomAsync(players[0], code);
        Assert.Equal("finished", room.GetProperty("phase").GetString());
        await AssertBotChoicesAsync(code, room, [(botId, role)]);
        var absent = Enumerable.Range(1, 5).Select(r => ("absent", (long?)players[2].UserId, (int?)r, (long?)null));
        Assert.Equal(
            [("participant_reconnecting", players[2].UserId, 1, null), ("participant_dropped", players[2].UserId, 1, null), ("participant_removed", players[2].UserId, 1, null), ("bot_joined", botId, 1, null), .. absent],
            await EventsAsync(code));
        Assert.Equal([RoomEventBotJoined], await BotEventTypesAsync(code));
    }

    private const string DropoutPolicyBot = "bot";

    private const string RoomEventBotJoined = "bot_joined";

    /// <summary>Every bot chose in every round, marked is_bot, exactly as the seeded rule for this room code says; no one else is marked.</summary>
    private async Task AssertBotChoicesAsync(string code, JsonElement room, IReadOnlyList<(long Id, int Role)> bots)
    {
        var choices = await ChoicesAsync(code);
        var rounds = room.GetProperty("scenario").GetProperty("rounds");
        foreach (var (id, role) in bots)
        {
            for (var round = 1; round <= 5; round++)
            {
                var options = rounds[round - 1].GetProperty("options").GetArrayLength();
                var expected = Dilemma.Grains.Ai.OfflineBotRule.Choose(code, round, role, options);
                Assert.Contains((id, round, expected.Choice, expected.Confidence, true), choices);
            }
        }

        Assert.All(choices.Where(c => c.IsBot), c => Assert.Contains(bots, b => b.Id == c.UserId));
        Assert.All(choices.Where(c => !c.IsBot), c => Assert.DoesNotContain(bots, b => b.Id == c.UserId));
    }

    /// <summary>The room's individual choices as (user, round, choice, confidence, is_bot).</summary>
    protected abstract Task<IReadOnlyList<(long UserId, int Round, int Choice, int Confidence, bool IsBot)>> ChoicesAsync(string code);

    /// <summary>The types of the room's events marked is_bot, in order.</summary>
    protected abstract Task<IReadOnlyList<string>> BotEventTypesAsync(string code);

    /// <summary>Reads until a condition holds; fails after <paramref name="within"/> (30 s by default).</summary>
    protected static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited in vain for {what}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), Ct);
        }
    }

    protected Task<(Player[] Players, string Code)> TimedRoomAsync(int? choiceSeconds, int? consensusSeconds) =>
        TimedRoomAsync(http, choiceSeconds, consensusSeconds);

    protected static async Task<(Player[] Players, string Code)> TimedRoomAsync(HttpClient http, int? choiceSeconds, int? consensusSeconds)
    {
        var players = await RoomKit.GuestsAsync(http, 3, Ct);
        var code = RoomKit.Code(await HttpAssert.OkAsync<JsonElement>(
            await players[0].PostAsync("/rooms/private", new { title = "timed", topic = RoomKit.Topic, choice_seconds = choiceSeconds, consensus_seconds = consensusSeconds }, Ct),
            HttpStatusCode.Created));
        await RoomKit.JoinAsync(players[1], code, Ct);
        await RoomKit.JoinAsync(players[2], code, Ct);
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/assign-roles/{code}", new { }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        return (players, code);
    }

    /// <summary>The room's events in order, as (type, user, round, actor).</summary>
    protected abstract Task<IReadOnlyList<(string Type, long? UserId, int? Round, long? Actor)>> EventsAsync(string code);

    private Task<(Player[] Players, string Code)> StartedRoomAsync(string onDropout) => RoomKit.StartedRoomAsync(http, Ct, onDropout);

    protected static async Task<JsonElement> RoomAsync(Player player, string code) =>
        await HttpAssert.OkAsync<JsonElement>(await player.GetAsync($"/rooms/{code}", Ct));

    protected static string? PresenceOf(JsonElement room, long userId) => SeatOf(room, userId).GetProperty("presence").GetString();

    private static int RoleOf(JsonElement room, long userId) => SeatOf(room, userId).GetProperty("role_id").GetInt32();

    private static JsonElement SeatOf(JsonElement room, long userId) =>
        room.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == userId);
}

/// <summary>An embedded gateway on Kestrel with a short grace period.</summary>
public sealed class GameFlowGatewayFixture() : KestrelGatewayFixture(new Dictionary<string, string?> { ["Game:ReconnectGraceSeconds"] = GameFlowTests.GraceSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });

public sealed class EmbeddedGameFlowTests(GameFlowGatewayFixture gateway)
    : GameFlowTests(gateway.Address, gateway.Address, gateway.Client), IClassFixture<GameFlowGatewayFixture>
{
    protected override Task<IReadOnlyList<(string Type, long? UserId, int? Round, long? Actor)>> EventsAsync(string code) =>
        Task.FromResult<IReadOnlyList<(string, long?, int?, long?)>>(
            gateway.Services.GetRequiredService<InMemoryResearchStore>().RoomEvents(code).Select(e => (e.EventType, e.UserId, e.RoundNumber, e.ActorId)).ToList());

    protected override async Task<IReadOnlyList<(long UserId, int Round, int Choice, int Confidence, bool IsBot)>> ChoicesAsync(string code)
    {
        var store = gateway.Services.GetRequiredService<InMemoryResearchStore>();
        var rows = new List<(long, int, int, int, bool)>();
        for (var round = 1; round <= 5; round++)
        {
            rows.AddRange((await store.ReadChoicesAsync(code, round, Ct)).Select(c => (c.UserId, c.RoundNumber, c.Choice, c.Confidence, c.IsBot)));
        }

        return rows;
    }

    protected override Task<IReadOnlyList<string>> BotEventTypesAsync(string code) =>
        Task.FromResult<IReadOnlyList<string>>(
            gateway.Services.GetRequiredService<InMemoryResearchStore>().RoomEvents(code).Where(e => e.IsBot).Select(e => e.EventType).ToList());
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

public sealed class ClusterGameFlowTests(GameFlowClusterFixture cluster, LocalServices services)
    : GameFlowTests(cluster.First, cluster.Second, cluster.Client), IClassFixture<GameFlowClusterFixture>
{
    [Fact]
    public async Task A_deadline_pending_in_round_3_survives_every_silo_stopping_and_fires_once()
    {
        await using var deployment = await ClusterDeployment.StartAsync(services, "deadline_", silos: 2, Ct);
        using var http = new HttpClient { BaseAddress = deployment.CreateGateway().StartKestrel() };
        var (players, code) = await TimedRoomAsync(http, choiceSeconds: null, consensusSeconds: 20);
        await RoomKit.PlayRoundAsync(players, code, 1, Ct);
        await RoomKit.PlayRoundAsync(players, code, 2, Ct);
        for (var i = 0; i < 3; i++)
        {
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[i], code, 3, i % 2, 3, Ct), HttpStatusCode.Created);
        }

        Assert.Equal("consensus", (await RoomAsync(players[0], code)).GetProperty("deadline_kind").GetString());
        await using var connection = new MySqlConnection(deployment.MySqlConnectionString);
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM OrleansRemindersTable WHERE GrainId LIKE CONCAT('%', @code)", new { code }));

        // Every silo goes, and a new one comes: only the database knows the deadline now.
        await deployment.StopAllSilosAsync(Ct);
        await deployment.StartSiloAsync(Ct);

        // A missed reminder is retried a minute on; the deadline may fall in the restart.
        const string Fired = "SELECT COUNT(*) FROM room_events WHERE room_code = @code AND event_type = 'no_consensus' AND round_number = 3";
        await EventuallyAsync(() => connection.ExecuteScalarAsync<long>(Fired, new { code }), n => n > 0, "the round 3 deadline to fire", TimeSpan.FromSeconds(120));

        // Round 4 has no deadline running (no choice timer): the reminder is gone, so nothing fires again.
        await EventuallyAsync(
            () => connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM OrleansRemindersTable WHERE GrainId LIKE CONCAT('%', @code)", new { code }),
            n => n == 0,
            "the reminder to be unregistered");
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>(Fired, new { code }));
        Assert.Equal(
            4,
            await connection.ExecuteScalarAsync<int>("SELECT current_round FROM rooms WHERE room_code = @code", new { code }));
    }

    [Fact]
    public async Task A_grace_running_when_every_silo_stops_still_drops_the_participant_after_the_restart()
    {
        await using var deployment = await ClusterDeployment.CreateAsync(services, "grace_", Ct);
        const string Grace = "6";
        await deployment.StartSiloAsync(Ct, builder => builder.Configuration["Game:ReconnectGraceSeconds"] = Grace);
        var gateway = deployment.CreateGateway().StartKestrel();
        using var http = new HttpClient { BaseAddress = gateway };
        var (players, code) = await RoomKit.StartedRoomAsync(http, Ct, "continue");
        var (gone, _) = await RealtimeKit.JoinAsync(gateway, players[2], code, Ct);
        await gone.DisposeAsync();
        await using var connection = new MySqlConnection(deployment.MySqlConnectionString);
        const string Rows = "SELECT event_type FROM room_events WHERE room_code = @code ORDER BY id";
        await EventuallyAsync(async () => (await connection.QueryAsync<string>(Rows, new { code })).ToList(), r => r.Count == 1, "participant_reconnecting to be recorded");

        // Inside the grace every silo goes, and a new one comes: only the stored state knows the grace ran.
        await deployment.StopAllSilosAsync(Ct);
        await deployment.StartSiloAsync(Ct, builder => builder.Configuration["Game:ReconnectGraceSeconds"] = Grace);

        // The next request activates the room again; the grace goes on for what was left of it.
        await EventuallyAsync(
            async () =>
            {
                // While no silo is up the answer is a 503 problem saying so, never another error.
                using var answer = await players[0].GetAsync($"/rooms/{code}", Ct);
                Assert.True(
                    answer.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable,
                    $"GET /rooms/{code} while the silo came back answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync(Ct)}");
                return answer.IsSuccessStatusCode;
            },
            ok => ok,
            "the room to answer after the restart",
            TimeSpan.FromSeconds(60));
        await EventuallyAsync(async () => (await connection.QueryAsync<string>(Rows, new { code })).ToList(), r => r.Count == 2, "participant_dropped to be recorded");
        Assert.Equal(["participant_reconnecting", "participant_dropped"], await connection.QueryAsync<string>(Rows, new { code }));
        Assert.Equal("dropped", PresenceOf(await RoomAsync(players[0], code), players[2].UserId));
    }

    /// <summary>
    /// The drop at the end of a grace takes the grace out of memory, then records the drop. If that record fails (here:
    /// its insert waits on a lock this test holds on the room's row, and is killed) and the room ran on, the participant
    /// would never be dropped. A failed timer tick, like a failed call, passes through the room's call filter and lets
    /// the next call start from storage, whose state still says the grace ran: the drop is recorded once, at the room's
    /// next answer. Without the filter's deactivation this test fails.
    /// </summary>
    [Fact]
    public async Task A_drop_that_failed_to_be_recorded_at_the_end_of_the_grace_happens_at_the_rooms_next_answer()
    {
        await using var deployment = await ClusterDeployment.CreateAsync(services, "gracefail_", Ct);
        await deployment.StartSiloAsync(Ct, builder => builder.Configuration["Game:ReconnectGraceSeconds"] = "8");
        var gateway = deployment.CreateGateway().StartKestrel();
        using var http = new HttpClient { BaseAddress = gateway };
        var (players, code) = await RoomKit.StartedRoomAsync(http, Ct, "continue");
        await using var connection = new MySqlConnection(deployment.MySqlConnectionString);
        const string Rows = "SELECT event_type FROM room_events WHERE room_code = @code ORDER BY id";
        var holder = new MySqlConnection(new MySqlConnectionStringBuilder(deployment.MySqlConnectionString) { Pooling = false }.ConnectionString);
        await using (holder)
        {
            await holder.OpenAsync(Ct);
            var (gone, _) = await RealtimeKit.JoinAsync(gateway, players[2], code, Ct);
            await gone.DisposeAsync();
            await EventuallyAsync(async () => (await connection.QueryAsync<string>(Rows, new { code })).ToList(), r => r.Count == 1, "participant_reconnecting to be recorded");

            // Inside the grace: the drop's insert needs a shared lock on the room's row (its foreign key), which waits.
            await holder.ExecuteAsync(new CommandDefinition("START TRANSACTION; SELECT room_code FROM rooms WHERE room_code = @code FOR UPDATE", new { code }, cancellationToken: Ct));
            var waiting = await WaitingStatement.FindAsync(holder, "INSERT INTO room_events", code, "the drop's insert to wait on the room row", Ct);
            await holder.ExecuteAsync(new CommandDefinition($"KILL QUERY {waiting}", cancellationToken: Ct));
            await holder.ExecuteAsync(new CommandDefinition("ROLLBACK", cancellationToken: Ct));
        }

        await EventuallyAsync(
            async () => PresenceOf(await RoomAsync(players[0], code), players[2].UserId),
            presence => presence == "dropped",
            "the participant to be dropped",
            TimeSpan.FromSeconds(30));
        Assert.Equal(["participant_reconnecting", "participant_dropped"], await connection.QueryAsync<string>(Rows, new { code }));
    }

    protected override async Task<IReadOnlyList<(string Type, long? UserId, int? Round, long? Actor)>> EventsAsync(string code)
    {
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var rows = await connection.QueryAsync<(string, long?, int?, long?)>(
            "SELECT event_type, user_id, round_number, actor_id FROM room_events WHERE room_code = @code ORDER BY id",
            new { code });
        return rows.ToList();
    }

    protected override async Task<IReadOnlyList<(long UserId, int Round, int Choice, int Confidence, bool IsBot)>> ChoicesAsync(string code)
    {
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var rows = await connection.QueryAsync<(long, int, int, int, bool)>(
            "SELECT user_id, round_number, choice, confidence, is_bot FROM round_choices WHERE room_code = @code ORDER BY id",
            new { code });
        return rows.ToList();
    }

    protected override async Task<IReadOnlyList<string>> BotEventTypesAsync(string code)
    {
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var marked = await connection.QueryAsync<string>("SELECT event_type FROM room_events WHERE room_code = @code AND is_bot = 1 ORDER BY id", new { code });

        // A bot's users row is marked too, so the research tables tell a bot from a person wherever it appears.
        var users = await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM room_participants p JOIN users u ON u.id = p.user_id WHERE p.room_code = @code AND u.is_bot = 1",
            new { code });
        Assert.Equal(1, users);
        return marked.ToList();
    }
}
