using System.Net;
using System.Text.Json;
using Dilemma.Tests.Hosting;

namespace Dilemma.Tests.Rooms;

/// <summary>Choices and consensus: every rule and status of api.md's "Choices and consensus" table.</summary>
public sealed class RoundTests(EmbeddedGatewayFixture gateway) : IClassFixture<EmbeddedGatewayFixture>
{
    private HttpClient Client => gateway.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_choice_is_recorded_with_201()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(Client, Ct);

        var receipt = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[1], code, 1, 2, 4, Ct), HttpStatusCode.Created);

        Assert.Equal(1, receipt.GetProperty("round_number").GetInt32());
        Assert.Equal(2, receipt.GetProperty("choice").GetInt32());
        Assert.Equal(4, receipt.GetProperty("confidence").GetInt32());
        Assert.Equal(1, receipt.GetProperty("revision").GetInt32());
        Assert.False(receipt.GetProperty("replayed").GetBoolean());
    }

    [Fact]
    public async Task A_choice_before_the_game_starts_gets_409_room_not_started()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(Client, Ct);

        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(players[0], code, 1, 0, 3, Ct), HttpStatusCode.Conflict, "room_not_started");
        await HttpAssert.ProblemAsync(await RoomKit.ConsensusAsync(players[0], code, 1, 0, 3, Ct), HttpStatusCode.Conflict, "room_not_started");
    }

    [Fact]
    public async Task A_choice_for_round_2_while_round_1_is_open_gets_409()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(Client, Ct);

        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(players[0], code, 2, 0, 3, Ct), HttpStatusCode.Conflict, "wrong_round");
    }

    [Fact]
    public async Task A_non_participants_choice_in_a_game_under_way_gets_404_as_for_an_unknown_room()
    {
        var (_, code) = await RoomKit.StartedRoomAsync(Client, Ct);
        var stranger = await RoomKit.GuestAsync(Client, Ct);

        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(stranger, code, 1, 0, 3, Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await RoomKit.ConsensusAsync(stranger, code, 1, 0, 3, Ct), HttpStatusCode.NotFound, "room_not_found");
    }

    [Theory]
    [InlineData(1, 0, 0, "invalid_confidence")]
    [InlineData(1, 0, 6, "invalid_confidence")]
    [InlineData(1, 4, 3, "invalid_choice")]
    [InlineData(1, -1, 3, "invalid_choice")]
    [InlineData(6, 0, 3, "invalid_round")]
    [InlineData(0, 0, 3, "invalid_round")]
    public async Task Out_of_range_values_get_422(int round, int choice, int confidence, string code)
    {
        var (players, roomCode) = await RoomKit.StartedRoomAsync(Client, Ct);

        var problem = await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(players[0], roomCode, round, choice, confidence, Ct), HttpStatusCode.UnprocessableEntity, code);
        Assert.NotNull(problem.GetProperty("field").GetString());
        await HttpAssert.ProblemAsync(await RoomKit.ConsensusAsync(players[0], roomCode, round, choice, confidence, Ct), HttpStatusCode.UnprocessableEntity, code);
    }

    [Fact]
    public async Task A_choice_past_the_rounds_options_gets_422()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(Client, Ct);
        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        var options = room.GetProperty("scenario").GetProperty("rounds")[0].GetProperty("options").GetArrayLength();

        var response = await RoomKit.ChooseAsync(players[0], code, 1, options, 3, Ct);

        // One past the last option: for a 2- or 3-option round this is inside 0–3 and only the
        // scenario says it is out of bounds.
        await HttpAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity, "invalid_choice");
    }

    [Fact]
    public async Task Missing_fields_get_400_naming_them()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(Client, Ct);

        var problem = await HttpAssert.ProblemAsync(await players[0].PostAsync($"/rooms/{code}/round-choice", new { round_number = 1 }, Ct), HttpStatusCode.BadRequest, "missing_field");

        Assert.True(problem.GetProperty("errors").TryGetProperty("choice", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("confidence", out _));
    }

    [Fact]
    public async Task A_choice_may_be_revised_until_the_consensus()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(Client, Ct);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 1, 0, 2, Ct), HttpStatusCode.Created);

        var revised = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 1, 1, 5, Ct), HttpStatusCode.Created);
        Assert.Equal(2, revised.GetProperty("revision").GetInt32());

        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[1], code, 1, 1, 3, Ct), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[2], code, 1, 0, 3, Ct), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 1, 1, 4, Ct), HttpStatusCode.Created);

        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(players[0], code, 1, 0, 2, Ct), HttpStatusCode.Conflict, "wrong_round");
        var statistics = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}/statistics", Ct));
        var mine = statistics.GetProperty("rounds")[0].GetProperty("choices").EnumerateArray().Single(c => c.GetProperty("user_id").GetInt64() == players[0].UserId);
        Assert.Equal(1, mine.GetProperty("choice").GetInt32());
        Assert.Equal(5, mine.GetProperty("confidence").GetInt32());
        Assert.Equal(2, mine.GetProperty("revision").GetInt32());
    }

    [Fact]
    public async Task Consensus_needs_all_three_individual_choices()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(Client, Ct);
        await RoomKit.ChooseAsync(players[0], code, 1, 0, 3, Ct);
        await RoomKit.ChooseAsync(players[1], code, 1, 0, 3, Ct);

        await HttpAssert.ProblemAsync(await RoomKit.ConsensusAsync(players[0], code, 1, 0, 3, Ct), HttpStatusCode.Conflict, "choices_pending");
    }

    [Fact]
    public async Task Consensus_is_recorded_once_per_round_and_opens_the_next()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(Client, Ct);
        foreach (var player in players)
        {
            await RoomKit.ChooseAsync(player, code, 1, 0, 3, Ct);
        }

        var receipt = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[1], code, 1, 0, 4, Ct), HttpStatusCode.Created);

        Assert.Equal(2, receipt.GetProperty("current_round").GetInt32());
        await HttpAssert.ProblemAsync(await RoomKit.ConsensusAsync(players[2], code, 1, 1, 2, Ct), HttpStatusCode.Conflict, "consensus_exists");
        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(2, room.GetProperty("current_round").GetInt32());
        Assert.Empty(room.GetProperty("chosen_this_round").EnumerateArray());
        Assert.Equal(0, room.GetProperty("consensus")[0].GetProperty("choice").GetInt32());
    }

    [Fact]
    public async Task Two_consensus_submissions_for_the_same_round_at_once_give_exactly_one_201()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(Client, Ct);
        foreach (var player in players)
        {
            await RoomKit.ChooseAsync(player, code, 1, 1, 3, Ct);
        }

        var answers = await Task.WhenAll(players.Select((p, i) => RoomKit.ConsensusAsync(p, code, 1, i % 2, 3, Ct)));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.Created))
        {
            await HttpAssert.ProblemAsync(refused, HttpStatusCode.Conflict, "consensus_exists");
        }
    }

    [Fact]
    public async Task A_retry_with_the_same_submission_id_returns_the_first_answer_and_changes_nothing()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(Client, Ct);
        var submission = Guid.NewGuid().ToString("N");

        var first = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 1, 1, 2, Ct, submission), HttpStatusCode.Created);
        var retry = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 1, 1, 2, Ct, submission), HttpStatusCode.Created);

        Assert.True(retry.GetProperty("replayed").GetBoolean());
        Assert.Equal(first.GetProperty("choice").GetInt32(), retry.GetProperty("choice").GetInt32());
        Assert.Equal(first.GetProperty("recorded_at").GetDateTimeOffset(), retry.GetProperty("recorded_at").GetDateTimeOffset());
        Assert.Equal(1, retry.GetProperty("revision").GetInt32());

        await RoomKit.ChooseAsync(players[1], code, 1, 1, 3, Ct);
        await RoomKit.ChooseAsync(players[2], code, 1, 1, 3, Ct);
        var consensusId = Guid.NewGuid().ToString("N");
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 1, 1, 4, Ct, consensusId), HttpStatusCode.Created);
        var consensusRetry = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 1, 1, 4, Ct, consensusId), HttpStatusCode.Created);
        Assert.True(consensusRetry.GetProperty("replayed").GetBoolean());

        var statistics = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}/statistics", Ct));
        var mine = statistics.GetProperty("rounds")[0].GetProperty("choices").EnumerateArray().Single(c => c.GetProperty("user_id").GetInt64() == players[0].UserId);
        Assert.Equal(1, mine.GetProperty("choice").GetInt32());
        Assert.Equal(2, mine.GetProperty("confidence").GetInt32());
        Assert.Equal(2, statistics.GetProperty("rounds")[1].GetProperty("round_number").GetInt32());
        Assert.False(statistics.GetProperty("rounds")[1].GetProperty("completed").GetBoolean());
    }

    /// <summary>
    /// A client that reuses its ids (one per kind of call, say) sent round 2's choice under round 1's id: it was told 201 with
    /// round 1's receipt (replayed) and nothing was recorded, and the consensus likewise, so the game stalled at round 2.
    /// </summary>
    [Fact]
    public async Task A_submission_id_reused_with_another_round_choice_or_confidence_gets_422_and_records_nothing()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(Client, Ct);
        foreach (var player in players)
        {
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(player, code, 1, 0, 3, Ct, "mychoice"), HttpStatusCode.Created);
        }

        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 1, 0, 3, Ct, "mycons"), HttpStatusCode.Created);

        var reused = await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(players[1], code, 2, 1, 3, Ct, "mychoice"), HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal("submission_id", reused.GetProperty("field").GetString());

        // Nothing of it was recorded: round 2 still waits for everyone, and the same choice under a new id is a new choice.
        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        Assert.Empty(room.GetProperty("chosen_this_round").EnumerateArray());
        foreach (var player in players)
        {
            var receipt = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(player, code, 2, 1, 3, Ct, "round2-" + player.UserId), HttpStatusCode.Created);
            Assert.False(receipt.GetProperty("replayed").GetBoolean());
            Assert.Equal(2, receipt.GetProperty("round_number").GetInt32());
        }

        // Another confidence, or another choice, under an id already used in this round is refused as well.
        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(players[2], code, 2, 1, 4, Ct, "round2-" + players[2].UserId), HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(players[2], code, 2, 0, 3, Ct, "round2-" + players[2].UserId), HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");

        // A body out of range says what is wrong with it, whatever its id.
        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(players[2], code, 12345, -1, 0, Ct, "mychoice"), HttpStatusCode.UnprocessableEntity, "invalid_round");

        // The consensus: round 1's id for round 2's decision is refused, and the decision under its own id closes the round.
        var consensusReused = await HttpAssert.ProblemAsync(await RoomKit.ConsensusAsync(players[0], code, 2, 1, 3, Ct, "mycons"), HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal("submission_id", consensusReused.GetProperty("field").GetString());
        var decided = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 2, 1, 3, Ct, "cons-2"), HttpStatusCode.Created);
        Assert.False(decided.GetProperty("replayed").GetBoolean());
        Assert.Equal(3, decided.GetProperty("current_round").GetInt32());

        // The very same submissions again are still answered with their first receipts.
        Assert.True((await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 2, 1, 3, Ct, "cons-2"), HttpStatusCode.Created)).GetProperty("replayed").GetBoolean());
        var again = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[1], code, 1, 0, 3, Ct, "mychoice"), HttpStatusCode.Created);
        Assert.True(again.GetProperty("replayed").GetBoolean());
        Assert.Equal(1, again.GetProperty("round_number").GetInt32());
        var statistics = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}/statistics", Ct));
        Assert.All(statistics.GetProperty("rounds")[1].GetProperty("choices").EnumerateArray(), c => Assert.Equal(1, c.GetProperty("choice").GetInt32()));
    }

    [Fact]
    public async Task A_choices_submission_id_reused_for_the_consensus_records_the_consensus()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(Client, Ct);
        var submission = Guid.NewGuid().ToString("N");
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 1, 1, 2, Ct, submission), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[1], code, 1, 1, 3, Ct), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[2], code, 1, 0, 3, Ct), HttpStatusCode.Created);

        // Keys are scoped per operation: the choice's id does not answer for the consensus.
        var consensus = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 1, 0, 5, Ct, submission), HttpStatusCode.Created);
        Assert.False(consensus.GetProperty("replayed").GetBoolean());
        Assert.Equal(0, consensus.GetProperty("choice").GetInt32());
        Assert.Equal(2, consensus.GetProperty("current_round").GetInt32());
        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        var recorded = Assert.Single(room.GetProperty("consensus").EnumerateArray());
        Assert.Equal(0, recorded.GetProperty("choice").GetInt32());
        Assert.Equal(5, recorded.GetProperty("confidence").GetInt32());

        // And each operation still replays its own: the consensus retry, and the choice retry.
        Assert.True((await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 1, 0, 5, Ct, submission), HttpStatusCode.Created)).GetProperty("replayed").GetBoolean());
        var choiceRetry = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 1, 1, 2, Ct, submission), HttpStatusCode.Created);
        Assert.True(choiceRetry.GetProperty("replayed").GetBoolean());
        Assert.Equal(1, choiceRetry.GetProperty("choice").GetInt32());
    }

    [Fact]
    public async Task Another_participant_reusing_a_submission_id_is_not_replayed()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(Client, Ct);
        var submission = Guid.NewGuid().ToString("N");

        await RoomKit.ChooseAsync(players[0], code, 1, 1, 2, Ct, submission);
        var other = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[1], code, 1, 0, 5, Ct, submission), HttpStatusCode.Created);

        Assert.False(other.GetProperty("replayed").GetBoolean());
        Assert.Equal(players[1].UserId, other.GetProperty("user_id").GetInt64());
    }

    [Fact]
    public async Task Statistics_hide_the_open_rounds_choices_and_are_for_members_only()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(Client, Ct);
        await RoomKit.ChooseAsync(players[0], code, 1, 1, 2, Ct);
        var stranger = await RoomKit.GuestAsync(Client, Ct);

        var statistics = await HttpAssert.OkAsync<JsonElement>(await players[1].GetAsync($"/rooms/{code}/statistics", Ct));

        var open = statistics.GetProperty("rounds")[0];
        Assert.False(open.GetProperty("completed").GetBoolean());
        Assert.Equal(1, open.GetProperty("chosen_count").GetInt32());
        Assert.Empty(open.GetProperty("choices").EnumerateArray());
        Assert.Empty(open.GetProperty("distribution").EnumerateArray());
        await HttpAssert.ProblemAsync(await stranger.GetAsync($"/rooms/{code}/statistics", Ct), HttpStatusCode.NotFound, "room_not_found");
        var room = await HttpAssert.OkAsync<JsonElement>(await players[2].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal([players[0].UserId], room.GetProperty("chosen_this_round").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        Assert.DoesNotContain("\"choice\"", room.GetProperty("participants").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_round_5_the_room_is_finished_and_takes_no_more_choices()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(Client, Ct);
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players, code, round, Ct);
        }

        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal("finished", room.GetProperty("phase").GetString());
        Assert.NotEqual(JsonValueKind.Null, room.GetProperty("finished_at").ValueKind);
        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(players[0], code, 5, 0, 3, Ct), HttpStatusCode.Conflict, "room_finished");
        await HttpAssert.ProblemAsync(await RoomKit.ConsensusAsync(players[0], code, 5, 0, 3, Ct), HttpStatusCode.Conflict, "consensus_exists");
    }
}
