using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dilemma.Grains.Research;
using Dilemma.Grains.Scenarios;
using Dilemma.Tests.Ai;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Research;

/// <summary>
/// What the AI facilitator produced, in the export, against the fake OpenAI-compatible server (real HTTP, the real
/// client): questions, feedback and bots' choices are ai_interactions rows with their provenance, exactly the rows the
/// store holds, and a room played on a generated scenario has the scenario's text and provenance, down to the SHA-256
/// of the model's answer.
/// </summary>
public sealed class AiProvenanceExportTests(OpenAiGatewayFixture fixture) : IClassFixture<OpenAiGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IGrainFactory Grains => fixture.Factory.Services.GetRequiredService<IGrainFactory>();

    private InMemoryResearchStore Store => fixture.Factory.Services.GetRequiredService<InMemoryResearchStore>();

    [Fact]
    public async Task A_room_on_a_generated_scenario_exports_its_text_provenance_and_every_question_and_feedback_shown()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(fixture.Client, Grains, Ct);
        var author = await RoomKit.GuestAsync(fixture.Client, Ct);
        var answer = ModelAnswers.Scenario();
        fixture.Server.Enqueue(context => FakeOpenAiServer.Completion(context, answer));
        var generated = await AiKit.GeneratedAsync(author, new { topic = "night-care-robot" }, Ct);
        var scenarioId = generated.GetProperty("scenario_id").GetString()!;
        var (players, code, _) = await AiKit.StartedRoomOnAsync(fixture.Client, scenarioId, Ct);
        await ResearchKit.ConsentAsync(players[0], data: true, Ct);
        await ResearchKit.ConsentAsync(players[1], data: true, Ct);

        // Shown: the model's questions to the first seat, fallen-back ones to the second, feedback to the second and
        // to the whole room; the third seat, without data consent, asks too and is left out of the export.
        var shown = new List<(long? UserId, string Kind, int? Round, JsonElement Ai)>();
        var modelQuestions = await HttpAssert.OkAsync<JsonElement>(await AiKit.QuestionsAsync(players[0], code, Ct));
        shown.Add((players[0].UserId, "question", 1, modelQuestions.GetProperty("ai")));
        fixture.Server.Enqueue(context => FakeOpenAiServer.Completion(context, "{\"questions\": []}"));
        fixture.Server.Enqueue(context => FakeOpenAiServer.Completion(context, "{\"questions\": []}"));
        var fellBack = await HttpAssert.OkAsync<JsonElement>(await AiKit.QuestionsAsync(players[1], code, Ct));
        Assert.True(fellBack.GetProperty("ai").GetProperty("fell_back").GetBoolean());
        shown.Add((players[1].UserId, "question", 1, fellBack.GetProperty("ai")));
        await HttpAssert.OkAsync<JsonElement>(await AiKit.QuestionsAsync(players[2], code, Ct));
        await RoomKit.PlayRoundAsync(players, code, 1, Ct);
        var feedback = await HttpAssert.OkAsync<JsonElement>(await AiKit.FeedbackAsync(players[1], code, new { round_number = 1 }, Ct));
        shown.Add((players[1].UserId, "feedback", 1, feedback.GetProperty("ai")));
        var toTheRoom = await HttpAssert.OkAsync<JsonElement>(await AiKit.FeedbackAsync(researcher, code, new { }, Ct));
        shown.Add((null, "feedback", null, toTheRoom.GetProperty("ai")));

        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);

        // Every row the store holds of people who consented (or of the room), in order, and each as the API answered it.
        var rows = workbook.Records("ai_interactions").Where(r => (string)r["room_code"]! == code).ToList();
        var stored = Store.AiInteractions(code);
        Assert.Equal(5, stored.Count);
        Assert.Equal(stored.Where(s => s.UserId != players[2].UserId).Select(s => (s.UserId, s.Kind, s.RoundNumber)), rows.Select(r => (AsLong(r["user_id"]), (string)r["kind"]!, (int?)AsLong(r["round_number"]))));
        Assert.Equal(shown.Count, rows.Count);
        foreach (var (expected, row) in shown.Zip(rows))
        {
            Assert.Equal(expected.UserId, AsLong(row["user_id"]));
            Assert.Equal(expected.Kind, row["kind"]);
            Assert.Equal(expected.Ai.GetProperty("provider").GetString(), row["provider"]);
            Assert.Equal(expected.Ai.GetProperty("model").GetString(), row["model"]);
            Assert.Equal(expected.Ai.GetProperty("prompt_version").GetString(), row["prompt_version"]);
            Assert.Equal(expected.Ai.GetProperty("fell_back").GetBoolean(), row["fell_back"]);
            Assert.Equal(expected.Ai.GetProperty("fallback_reason").GetString(), row["fallback_reason"]);
            Assert.InRange((DateTime)row["occurred_at"]!, since.UtcDateTime.AddSeconds(-1), DateTime.UtcNow);
        }

        Assert.Equal("openai", rows[0]["provider"]);
        Assert.Equal("invalid_response", rows[1]["fallback_reason"]);

        // The generated scenario: its text in both languages and where it came from.
        Assert.Equal(scenarioId, workbook.Records("rooms").Single(r => (string)r["room_code"]! == code)["scenario_id"]);
        var texts = workbook.Records("scenarios").Where(r => (string)r["scenario_id"]! == scenarioId).ToList();
        Assert.Equal(ModelAnswers.TitleEn, texts.Single(r => (string)r["part"]! == "title")["text_en"]);
        Assert.All(texts, r =>
        {
            Assert.Equal("llm", r["source"]);
            Assert.Equal("openai", r["provider"]);
            Assert.Equal(FakeOpenAiServer.Model, r["model"]);
            Assert.Equal("v1/en/scenario", r["prompt_version"]);
            Assert.Equal(false, r["fell_back"]);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(answer))), r["raw_answer_sha256"]);
            Assert.IsType<DateTime>(r["generated_at"]);
            Assert.False(string.IsNullOrEmpty((string?)r["text_ko"]));
        });
        var scenario = generated.GetProperty("scenario");
        var rounds = scenario.GetProperty("rounds").EnumerateArray().ToList();
        Assert.Equal(5, rounds.Count);
        Assert.Equal(2 + rounds.Sum(r => 2 + r.GetProperty("options").GetArrayLength() + (2 * 3)), texts.Count);
        Assert.Equal(
            rounds[0].GetProperty("options").EnumerateArray().OrderBy(o => o.GetProperty("choice").GetInt32()).Select(o => o.GetProperty("text").GetString()),
            texts.Where(r => (string)r["part"]! == "option" && AsLong(r["round_number"]) == 1).OrderBy(r => AsLong(r["item"])).Select(r => (string?)r["text_en"]));
    }

    [Fact]
    public async Task A_bots_choices_are_ai_interactions_of_their_seats_with_the_models_provenance()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(fixture.Client, Grains, Ct);
        var host = await RoomKit.GuestAsync(fixture.Client, Ct);
        await ResearchKit.ConsentAsync(host, data: true, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct, isPublic: false));
        await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/{code}/bots", new { bots = 2 }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/assign-roles/{code}", new { }, Ct));
        var started = await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/{code}/start", null, Ct));
        var bots = started.GetProperty("participants").EnumerateArray().Where(p => p.GetProperty("is_bot").GetBoolean()).Select(p => p.GetProperty("user_id").GetInt64()).Order().ToList();
        Assert.Equal(HttpStatusCode.Created, (await RoomKit.ChooseAsync(host, code, 1, 0, 3, Ct)).StatusCode);
        await RoomKit.WithBotChoicesAsync(host, code, bots.Count, Ct);

        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);

        var rows = workbook.Records("ai_interactions").Where(r => (string)r["room_code"]! == code).ToList();
        Assert.Equal(Store.AiInteractions(code).Count, rows.Count);
        Assert.Equal(bots, rows.Select(r => AsLong(r["user_id"])!.Value).Order());
        // Each as the room shows the bot's choice: the model's, or the rule's when the model did not answer in time.
        var shown = (await HttpAssert.OkAsync<JsonElement>(await host.GetAsync($"/rooms/{code}", Ct))).GetProperty("bot_choices").EnumerateArray()
            .ToDictionary(c => c.GetProperty("user_id").GetInt64());
        Assert.All(rows, r =>
        {
            var choice = shown[AsLong(r["user_id"])!.Value];
            Assert.Equal("bot_choice", r["kind"]);
            Assert.Equal(1L, AsLong(r["round_number"]));
            Assert.Equal(choice.GetProperty("provider").GetString(), r["provider"]);
            Assert.Equal(choice.GetProperty("fallback_reason").GetString(), r["fallback_reason"]);
            Assert.Equal(r["provider"] is "openai" ? FakeOpenAiServer.Model : null, r["model"]);
        });

        // The bank scenario the room played: its text from the bank, no generation provenance.
        var bank = ScenarioBank.LoadEmbedded().FindByTopic(RoomKit.Topic)!;
        var texts = workbook.Records("scenarios").Where(r => (string)r["scenario_id"]! == bank.Id).ToList();
        Assert.Equal(bank.Title.Ko, texts.Single(r => (string)r["part"]! == "title")["text_ko"]);
        Assert.All(texts, r =>
        {
            Assert.Equal("bank", r["source"]);
            Assert.Null(r["provider"]);
            Assert.Null(r["raw_answer_sha256"]);
        });
    }

    [Fact]
    public async Task Csv_text_a_spreadsheet_would_run_as_a_formula_starts_with_an_apostrophe_and_the_workbook_keeps_it_as_written()
    {
        // A model's text is not ours to trust: a scenario it wrote reaches the scenarios sheet as written.
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(fixture.Client, Grains, Ct);
        var author = await RoomKit.GuestAsync(fixture.Client, Ct);
        var answer = JsonNode.Parse(ModelAnswers.Scenario())!.AsObject();
        answer["title"] = new JsonObject { ["ko"] = "=1+2", ["en"] = "+1+2 (" + Guid.NewGuid().ToString("N") + ")" };
        answer["summary"] = new JsonObject { ["ko"] = "-1+2", ["en"] = "@SUM(1,2)" };
        answer["rounds"]![0]!["title"] = new JsonObject { ["ko"] = "\t=1+2", ["en"] = "\r=1+2" };
        fixture.Server.Enqueue(context => FakeOpenAiServer.Completion(context, answer.ToJsonString()));
        var scenarioId = (await AiKit.GeneratedAsync(author, new { topic = "formula-guard" }, Ct)).GetProperty("scenario_id").GetString()!;
        var (players, _, _) = await AiKit.StartedRoomOnAsync(fixture.Client, scenarioId, Ct);
        await ResearchKit.ConsentAsync(players[0], data: true, Ct);

        var response = await researcher.GetAsync($"{ResearchKit.Export}?from={ResearchKit.Query(since)}&format=csv&sheet=scenarios", Ct);
        var text = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var rows = ResearchKit.ParseCsv(text.TrimStart('\uFEFF'));
        string Cell(string[] row, string column) => row[Array.IndexOf(rows[0], column)];
        string[] Part(string part) => Assert.Single(rows, r => Cell(r, "scenario_id") == scenarioId && Cell(r, "part") == part && Cell(r, "round_number") is "" or "1");

        Assert.Equal(("'=1+2", "'" + answer["title"]!["en"]), (Cell(Part("title"), "text_ko"), Cell(Part("title"), "text_en")));
        Assert.Equal(("'-1+2", "'@SUM(1,2)"), (Cell(Part("summary"), "text_ko"), Cell(Part("summary"), "text_en")));
        Assert.Equal(("'\t=1+2", "'\r=1+2"), (Cell(Part("round_title"), "text_ko"), Cell(Part("round_title"), "text_en")));
        Assert.Equal(answer["rounds"]![0]!["dilemma"]!["en"]!.GetValue<string>(), Cell(Part("dilemma"), "text_en"));

        // A workbook's cells are typed text, which no spreadsheet runs: they keep the text as the model wrote it.
        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);
        var title = workbook.Records("scenarios").Single(r => (string)r["scenario_id"]! == scenarioId && (string)r["part"]! == "title");
        Assert.Equal("=1+2", title["text_ko"]);
    }

    private static long? AsLong(object? cell) => cell is double d ? (long)d : null;
}

/// <summary>The offline facilitator's questions and feedback are ai_interactions rows too, with its own provenance.</summary>
public sealed class OfflineAiInteractionExportTests(EmbeddedGatewayFixture gateway) : IClassFixture<EmbeddedGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Offline_questions_and_feedback_are_exported_as_the_store_holds_them()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(gateway.Client, gateway.Grains, Ct);
        var (players, code) = await RoomKit.StartedRoomAsync(gateway.Client, Ct);
        foreach (var player in players)
        {
            await ResearchKit.ConsentAsync(player, data: true, Ct);
        }

        var questions = await HttpAssert.OkAsync<JsonElement>(await AiKit.QuestionsAsync(players[2], code, Ct, lang: "ko"));
        await RoomKit.PlayRoundAsync(players, code, 1, Ct);
        var feedback = await HttpAssert.OkAsync<JsonElement>(await AiKit.FeedbackAsync(players[0], code, new { round_number = 1 }, Ct));

        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);

        var rows = workbook.Records("ai_interactions").Where(r => (string)r["room_code"]! == code).ToList();
        var stored = gateway.Factory.Services.GetRequiredService<InMemoryResearchStore>().AiInteractions(code);
        Assert.Equal(stored.Select(s => (s.UserId, s.Kind, s.RoundNumber, s.PromptVersion)), rows.Select(r => ((long?)(long)(double)r["user_id"]!, (string)r["kind"]!, (int?)(int)(double)r["round_number"]!, (string)r["prompt_version"]!)));
        Assert.Equal([(players[2].UserId, "question"), (players[0].UserId, "feedback")], rows.Select(r => ((long)(double)r["user_id"]!, (string)r["kind"]!)));
        Assert.Equal(questions.GetProperty("ai").GetProperty("prompt_version").GetString(), rows[0]["prompt_version"]);
        Assert.Equal(feedback.GetProperty("ai").GetProperty("prompt_version").GetString(), rows[1]["prompt_version"]);
        Assert.All(rows, r =>
        {
            Assert.Equal("offline", r["provider"]);
            Assert.Null(r["model"]);
            Assert.Equal(false, r["fell_back"]);
            Assert.Null(r["fallback_reason"]);
        });
    }
}
