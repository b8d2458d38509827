using System.Net;
using System.Text.Json;
using Dilemma.Grains.Ai;
using Dilemma.Grains.Scenarios;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;

namespace Dilemma.Tests.Ai;

/// <summary>
/// The AI endpoints through the real gateway with the default, offline facilitator: a whole game
/// played on a generated scenario, and the rules around it.
/// </summary>
public sealed class AiApiTests(EmbeddedGatewayFixture gateway) : IClassFixture<EmbeddedGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_whole_game_is_played_on_a_generated_scenario_with_questions_and_feedback_every_round()
    {
        var author = await RoomKit.GuestAsync(gateway.Client, Ct);
        var generated = await AiKit.GeneratedAsync(author, new { topic = "medication-ai", seed = 42 }, Ct);
        var scenario = generated.GetProperty("scenario");
        var scenarioId = generated.GetProperty("scenario_id").GetString()!;
        Assert.StartsWith("gen-", scenarioId, StringComparison.Ordinal);
        Assert.Equal(42, generated.GetProperty("seed").GetInt32());
        Assert.Equal("offline", scenario.GetProperty("source").GetString());
        Assert.Equal("medication-ai", scenario.GetProperty("topic").GetString());
        var ai = generated.GetProperty("ai");
        Assert.Equal("offline", ai.GetProperty("provider").GetString());
        Assert.False(ai.GetProperty("fell_back").GetBoolean());
        Assert.Equal("offline-v1", ai.GetProperty("prompt_version").GetString());

        var (players, code, room) = await AiKit.StartedRoomOnAsync(gateway.Client, scenarioId, Ct);
        Assert.Equal("medication-ai", room.GetProperty("topic").GetString());
        var details = await HttpAssert.OkAsync<JsonElement>(await players[2].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(scenarioId, details.GetProperty("scenario_id").GetString());
        Assert.Equal(scenarioId, details.GetProperty("scenario").GetProperty("id").GetString());

        for (var round = 1; round <= 5; round++)
        {
            var asked = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                var questions = await HttpAssert.OkAsync<JsonElement>(await AiKit.QuestionsAsync(players[i], code, Ct));
                Assert.Equal(round, questions.GetProperty("round_number").GetInt32());
                Assert.Equal(i + 1, questions.GetProperty("role_id").GetInt32());
                var texts = questions.GetProperty("questions").EnumerateArray().Select(q => q.GetString()!).ToList();
                Assert.Equal(3, texts.Count);
                Assert.Equal(RoleQuestion(scenario, round, i + 1), texts[0]);
                Assert.All(texts, t => Assert.False(AiKit.HasHangul(t)));
                asked.AddRange(texts);
            }

            Assert.Equal(9, asked.Distinct().Count());

            // Players 0 and 1 agree; player 2 differs; the group sides with the majority except in round 4.
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, round, 0, 3, Ct), HttpStatusCode.Created);
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[1], code, round, 0, 3, Ct), HttpStatusCode.Created);
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[2], code, round, 1, 3, Ct), HttpStatusCode.Created);
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, round, round == 4 ? 1 : 0, 5, Ct), HttpStatusCode.Created);

            var feedback = await HttpAssert.OkAsync<JsonElement>(await AiKit.FeedbackAsync(players[round % 3], code, new { round_number = round }, Ct));
            var figures = feedback.GetProperty("figures").GetProperty("rounds").EnumerateArray().Single();
            Assert.Equal(round, figures.GetProperty("round_number").GetInt32());
            Assert.Equal("majority", figures.GetProperty("agreement").GetString());
            Assert.Equal(round != 4, figures.GetProperty("followed_majority").GetBoolean());
            Assert.Equal(round == 4 ? [1, 2] : [3], figures.GetProperty("moved_roles").EnumerateArray().Select(r => r.GetInt32()));
            Assert.Equal(2.0, figures.GetProperty("confidence_shift").GetDouble());
            Assert.Contains(Option(scenario, round, round == 4 ? 1 : 0), feedback.GetProperty("summary").GetString(), StringComparison.Ordinal);
            Assert.Equal(["agreement", "movement", "prevailing_view", "confidence"], feedback.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("kind").GetString()));
        }

        await HttpAssert.ProblemAsync(await AiKit.QuestionsAsync(players[0], code, Ct), HttpStatusCode.Conflict, "room_finished");
        var transcript = string.Join('\n', Enumerable.Range(0, 8).Select(i => $"{(i < 6 ? "caregiver" : i == 6 ? "family" : "developer")}: point {i}"));
        var game = await HttpAssert.OkAsync<JsonElement>(await AiKit.FeedbackAsync(players[1], code, new { transcript }, Ct));
        Assert.Equal(JsonValueKind.Null, game.GetProperty("round_number").ValueKind);
        var totals = game.GetProperty("figures");
        Assert.Equal(5, totals.GetProperty("rounds_covered").GetInt32());
        Assert.Equal([1, 2], totals.GetProperty("prevailing_roles").EnumerateArray().Select(r => r.GetInt32()));
        Assert.Equal([4, 4, 1], totals.GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("rounds_prevailed").GetInt32()));
        Assert.Equal(8, totals.GetProperty("transcript").GetProperty("turns").GetInt32());
        Assert.Contains(game.GetProperty("points").EnumerateArray(), p => p.GetProperty("kind").GetString() == "discussion" && p.GetProperty("text").GetString()!.StartsWith("caregiver took 75%", StringComparison.Ordinal));
        Assert.Contains("Over 5 rounds", game.GetProperty("summary").GetString(), StringComparison.Ordinal);

        var statistics = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}/statistics", Ct));
        Assert.Equal("finished", statistics.GetProperty("phase").GetString());
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_scenario_id_and_another_seed_a_new_one()
    {
        var author = await RoomKit.GuestAsync(gateway.Client, Ct);

        var first = await AiKit.GeneratedAsync(author, new { topic = "emotion-recognition", seed = 5 }, Ct);
        var again = await AiKit.GeneratedAsync(author, new { topic = "emotion-recognition", seed = 5 }, Ct);
        var other = await AiKit.GeneratedAsync(author, new { topic = "emotion-recognition", seed = 6 }, Ct);

        Assert.Equal(first.GetProperty("scenario_id").GetString(), again.GetProperty("scenario_id").GetString());
        Assert.NotEqual(first.GetProperty("scenario_id").GetString(), other.GetProperty("scenario_id").GetString());
        var expected = new OfflineFacilitator(ScenarioBank.LoadEmbedded(), QuestionTemplates.LoadEmbedded()).Vary(ScenarioBank.LoadEmbedded().FindByTopic("emotion-recognition")!, 5);
        Assert.Equal(expected.Id, first.GetProperty("scenario_id").GetString());
    }

    [Fact]
    public async Task Without_a_seed_one_is_drawn_and_returned_and_the_scenario_can_be_read_back_in_both_languages()
    {
        var author = await RoomKit.GuestAsync(gateway.Client, Ct);

        var generated = await AiKit.GeneratedAsync(author, new { }, Ct, lang: "all");
        var id = generated.GetProperty("scenario_id").GetString()!;
        var read = await HttpAssert.OkAsync<JsonElement>(await author.GetAsync($"/ai/scenarios/{id}?lang=ko", Ct));

        Assert.Equal(JsonValueKind.Number, generated.GetProperty("seed").ValueKind);
        Assert.True(AiKit.HasHangul(generated.GetProperty("scenario").GetProperty("title").GetProperty("ko").GetString()));
        Assert.False(AiKit.HasHangul(generated.GetProperty("scenario").GetProperty("title").GetProperty("en").GetString()));
        Assert.Equal(id, read.GetProperty("scenario_id").GetString());
        Assert.True(AiKit.HasHangul(read.GetProperty("rounds")[0].GetProperty("dilemma").GetString()));
        await HttpAssert.ProblemAsync(await author.GetAsync("/ai/scenarios/gen-0000000000000000", Ct), HttpStatusCode.NotFound, "unknown_scenario");
        await HttpAssert.ProblemAsync(await author.GetAsync("/ai/scenarios/Not_An_Id", Ct), HttpStatusCode.BadRequest, "invalid_scenario_id");
    }

    [Fact]
    public async Task Generation_refuses_an_unknown_or_malformed_topic_and_overlong_guidance()
    {
        var author = await RoomKit.GuestAsync(gateway.Client, Ct);

        var unknown = await HttpAssert.ProblemAsync(await AiKit.GenerateAsync(author, new { topic = "robot-bathing" }, Ct), HttpStatusCode.UnprocessableEntity, "unknown_topic");
        await HttpAssert.ProblemAsync(await AiKit.GenerateAsync(author, new { topic = "Robot Bathing" }, Ct), HttpStatusCode.UnprocessableEntity, "invalid_topic");
        await HttpAssert.ProblemAsync(await AiKit.GenerateAsync(author, new { topic = "medication-ai", guidance = new string('x', 501) }, Ct), HttpStatusCode.UnprocessableEntity, "invalid_field");
        await HttpAssert.ProblemAsync(await AiKit.GenerateAsync(author, new { }, Ct, lang: "fr"), HttpStatusCode.BadRequest, "invalid_lang");
        await HttpAssert.ProblemAsync(await gateway.Client.PostJsonAsync("/ai/scenarios", new { }, Ct), HttpStatusCode.Unauthorized, "missing_token");

        Assert.Equal("topic", unknown.GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_room_names_its_scenario_by_id_and_a_wrong_id_or_topic_is_refused()
    {
        var host = await RoomKit.GuestAsync(gateway.Client, Ct);
        var bankId = ScenarioBank.LoadEmbedded().FindByTopic("ai-companion-data")!.Id;

        var onBank = await HttpAssert.OkAsync<JsonElement>(await host.PostAsync("/rooms/public", new { title = "by id", scenario_id = bankId }, Ct), HttpStatusCode.Created);
        var matching = await host.PostAsync("/rooms/public", new { title = "by id", topic = "ai-companion-data", scenario_id = bankId }, Ct);
        var mismatch = await host.PostAsync("/rooms/public", new { title = "by id", topic = "medication-ai", scenario_id = bankId }, Ct);
        var unknown = await host.PostAsync("/rooms/public", new { title = "by id", scenario_id = "gen-ffffffffffffffff" }, Ct);
        var neither = await host.PostAsync("/rooms/private", new { title = "nothing to play" }, Ct);

        Assert.Equal("ai-companion-data", onBank.GetProperty("topic").GetString());
        Assert.Equal(bankId, onBank.GetProperty("scenario_id").GetString());
        await HttpAssert.OkAsync<JsonElement>(matching, HttpStatusCode.Created);
        Assert.Equal("topic", (await HttpAssert.ProblemAsync(mismatch, HttpStatusCode.UnprocessableEntity, "topic_mismatch")).GetProperty("field").GetString());
        Assert.Equal("scenario_id", (await HttpAssert.ProblemAsync(unknown, HttpStatusCode.UnprocessableEntity, "unknown_scenario")).GetProperty("field").GetString());
        Assert.Equal("topic", (await HttpAssert.ProblemAsync(neither, HttpStatusCode.BadRequest, "missing_field")).GetProperty("field").GetString());
    }

    [Fact]
    public async Task Questions_are_for_participants_of_a_started_game_only()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var stranger = await RoomKit.GuestAsync(gateway.Client, Ct);

        await HttpAssert.ProblemAsync(await AiKit.QuestionsAsync(players[0], code, Ct), HttpStatusCode.Conflict, "room_not_started");
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        await HttpAssert.ProblemAsync(await AiKit.QuestionsAsync(stranger, code, Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await AiKit.QuestionsAsync(stranger, "999999", Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await AiKit.QuestionsAsync(stranger, "12ab", Ct), HttpStatusCode.BadRequest, "invalid_room_code");

        var korean = await HttpAssert.OkAsync<JsonElement>(await AiKit.QuestionsAsync(players[1], code, Ct, lang: "ko"));
        var both = await HttpAssert.OkAsync<JsonElement>(await AiKit.QuestionsAsync(players[2], code, Ct, lang: "all"));
        Assert.Equal("family_member", korean.GetProperty("role").GetString());
        Assert.All(korean.GetProperty("questions").EnumerateArray(), q => Assert.True(AiKit.HasHangul(q.GetString())));
        Assert.Equal("ai_developer", both.GetProperty("role").GetString());
        Assert.All(both.GetProperty("questions").EnumerateArray(), q => Assert.False(AiKit.HasHangul(q.GetProperty("en").GetString())));
    }

    [Fact]
    public async Task A_player_taken_out_of_the_game_is_asked_no_more_questions()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(gateway.Client, Ct);
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/remove", new { user_id = players[2].UserId }, Ct));

        var refused = await HttpAssert.ProblemAsync(await AiKit.QuestionsAsync(players[2], code, Ct), HttpStatusCode.Forbidden, "not_participant");
        Assert.Contains("no longer playing", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.OkAsync<JsonElement>(await AiKit.QuestionsAsync(players[1], code, Ct));
    }

    [Fact]
    public async Task Feedback_waits_for_a_consensus_and_refuses_a_transcript_over_the_limit()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(gateway.Client, Ct);
        var stranger = await RoomKit.GuestAsync(gateway.Client, Ct);

        await HttpAssert.ProblemAsync(await AiKit.FeedbackAsync(players[0], code, null, Ct), HttpStatusCode.Conflict, "no_completed_rounds");
        await RoomKit.PlayRoundAsync(players, code, 1, Ct);
        await HttpAssert.ProblemAsync(await AiKit.FeedbackAsync(players[0], code, new { round_number = 2 }, Ct), HttpStatusCode.Conflict, "round_not_completed");
        await HttpAssert.ProblemAsync(await AiKit.FeedbackAsync(players[0], code, new { round_number = 6 }, Ct), HttpStatusCode.UnprocessableEntity, "invalid_round");
        var tooLong = await HttpAssert.ProblemAsync(await AiKit.FeedbackAsync(players[0], code, new { transcript = new string('말', 8_001) }, Ct), HttpStatusCode.UnprocessableEntity, "transcript_too_long");
        await HttpAssert.ProblemAsync(await AiKit.FeedbackAsync(stranger, code, null, Ct), HttpStatusCode.NotFound, "room_not_found");

        Assert.Equal("transcript", tooLong.GetProperty("field").GetString());
        var atLimit = await HttpAssert.OkAsync<JsonElement>(await AiKit.FeedbackAsync(players[0], code, new { transcript = new string('말', 8_000) }, Ct, lang: "ko"));
        Assert.Equal(8_000, atLimit.GetProperty("figures").GetProperty("transcript").GetProperty("characters").GetInt32());
        var noBody = await HttpAssert.OkAsync<JsonElement>(await AiKit.FeedbackAsync(players[2], code, null, Ct));
        Assert.Equal(1, noBody.GetProperty("figures").GetProperty("rounds_covered").GetInt32());
    }

    [Fact]
    public async Task A_researcher_who_is_not_a_participant_may_read_feedback()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(gateway.Client, Ct);
        await RoomKit.PlayRoundAsync(players, code, 1, Ct);
        var researcher = new Player(gateway.Client, await Roles.NewAccountWithAsync(gateway.Client, gateway.Grains, "researcher", Ct));

        var feedback = await HttpAssert.OkAsync<JsonElement>(await AiKit.FeedbackAsync(researcher, code, new { round_number = 1 }, Ct));

        Assert.Equal(1, feedback.GetProperty("round_number").GetInt32());
    }

    [Fact]
    public async Task The_openapi_document_describes_the_ai_endpoints()
    {
        var document = await HttpAssert.OkAsync<JsonElement>(await gateway.Client.GetAsync("/openapi/v1.json", Ct));
        var paths = document.GetProperty("paths");

        Assert.Contains("scenario_id", paths.GetProperty("/ai/scenarios").GetProperty("post").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("fallback_reason", paths.GetProperty("/rooms/{room_code}/ai/questions").GetProperty("get").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("Ai:MaxTranscriptCharacters", paths.GetProperty("/rooms/{room_code}/ai/feedback").GetProperty("post").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.True(paths.GetProperty("/ai/scenarios").GetProperty("post").GetProperty("responses").TryGetProperty("429", out _));
    }

    private static string RoleQuestion(JsonElement scenario, int round, int role) =>
        scenario.GetProperty("rounds")[round - 1].GetProperty("role_contexts").EnumerateArray().Single(r => r.GetProperty("role_id").GetInt32() == role).GetProperty("question").GetString()!;

    private static string Option(JsonElement scenario, int round, int choice) =>
        scenario.GetProperty("rounds")[round - 1].GetProperty("options")[choice].GetProperty("text").GetString()!;
}
