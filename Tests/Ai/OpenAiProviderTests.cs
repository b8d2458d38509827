using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Dilemma.Grains.Ai;
using Dilemma.Grains.Scenarios;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.AspNetCore.Http;

namespace Dilemma.Tests.Ai;

/// <summary>A fake OpenAI-compatible server on loopback and a gateway whose facilitator calls it with the real Betalgo client.</summary>
public sealed class OpenAiGatewayFixture : IAsyncLifetime
{
    public const string ApiKey = "sk-test-4f9c2e7a1b-never-log-me";

    public FakeOpenAiServer Server { get; private set; } = null!;

    public GatewayFactory Factory { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public static async Task<(FakeOpenAiServer Server, GatewayFactory Factory)> StartAsync(params (string Key, string Value)[] settings)
    {
        var server = await FakeOpenAiServer.StartAsync();
        var all = new Dictionary<string, string?>
        {
            ["Ai:Provider"] = "openai",
            ["Ai:OpenAi:ApiKey"] = ApiKey,
            ["Ai:OpenAi:BaseUrl"] = server.BaseUrl.ToString(),
            ["Ai:OpenAi:Model"] = FakeOpenAiServer.Model,
            ["Ai:TimeoutSeconds"] = "10",
            ["RateLimits:AiScenariosPerMinute"] = "1000",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return (server, new GatewayFactory(all));
    }

    public async ValueTask InitializeAsync()
    {
        (Server, Factory) = await StartAsync();
        Client = Factory.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// The OpenAI-compatible provider against a real HTTP server on loopback: what it sends, what it does
/// with valid, invalid, slow and failing answers, and that the key stays secret throughout.
/// </summary>
public sealed class OpenAiProviderTests(OpenAiGatewayFixture fixture) : IClassFixture<OpenAiGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private FakeOpenAiServer Server => fixture.Server;

    [Fact]
    public async Task A_request_names_the_model_sends_system_and_user_messages_and_asks_for_a_json_object()
    {
        var author = await RoomKit.GuestAsync(fixture.Client, Ct);

        var generated = await AiKit.GeneratedAsync(author, new { topic = "care-robot-monitoring", guidance = "Set it during a winter storm." }, Ct, lang: "en");
        var english = Server.Last;
        await AiKit.GeneratedAsync(author, new { topic = "care-robot-monitoring" }, Ct, lang: "ko");
        var korean = Server.Last;

        Assert.Equal("/v1/chat/completions", english.Path);
        Assert.Equal($"Bearer {OpenAiGatewayFixture.ApiKey}", english.Authorization);
        Assert.Equal(FakeOpenAiServer.Model, english.Body.GetProperty("model").GetString());
        Assert.Equal("json_object", english.Body.GetProperty("response_format").GetProperty("type").GetString());
        Assert.Equal(4096, english.Body.GetProperty("max_tokens").GetInt32());
        var messages = english.Body.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Contains("\"rounds\"", english.SystemMessage, StringComparison.Ordinal);
        Assert.Contains("Topic key: care-robot-monitoring", english.UserMessage, StringComparison.Ordinal);
        Assert.Contains("Set it during a winter storm.", english.UserMessage, StringComparison.Ordinal);
        Assert.False(AiKit.HasHangul(english.SystemMessage));
        Assert.True(AiKit.HasHangul(korean.SystemMessage));
        Assert.Contains("주제 키: care-robot-monitoring", korean.UserMessage, StringComparison.Ordinal);

        var ai = generated.GetProperty("ai");
        Assert.Equal("openai", ai.GetProperty("provider").GetString());
        Assert.Equal(FakeOpenAiServer.Model, ai.GetProperty("model").GetString());
        Assert.False(ai.GetProperty("fell_back").GetBoolean());
        Assert.Equal(1, ai.GetProperty("attempts").GetInt32());
        Assert.Equal("v1/en/scenario", ai.GetProperty("prompt_version").GetString());
    }

    [Fact]
    public async Task A_valid_answer_becomes_a_playable_scenario_on_its_own_topic_with_model_questions_and_feedback()
    {
        var author = await RoomKit.GuestAsync(fixture.Client, Ct);

        var generated = await AiKit.GeneratedAsync(author, new { topic = "night-care-robot" }, Ct);
        var scenario = generated.GetProperty("scenario");
        Assert.Equal("llm", scenario.GetProperty("source").GetString());
        Assert.Equal("night-care-robot", scenario.GetProperty("topic").GetString());
        Assert.Equal(ModelAnswers.TitleEn, scenario.GetProperty("title").GetString());

        var (players, code, room) = await AiKit.StartedRoomOnAsync(fixture.Client, generated.GetProperty("scenario_id").GetString()!, Ct);
        Assert.Equal("night-care-robot", room.GetProperty("topic").GetString());
        var questions = await HttpAssert.OkAsync<JsonElement>(await AiKit.QuestionsAsync(players[2], code, Ct));
        Assert.Equal("openai", questions.GetProperty("ai").GetProperty("provider").GetString());
        Assert.Equal("v1/en/questions", questions.GetProperty("ai").GetProperty("prompt_version").GetString());
        Assert.Equal(["The model asks: how would this decision change your day?", "The model asks: whose voice is missing here?"], questions.GetProperty("questions").EnumerateArray().Select(q => q.GetString()));
        Assert.Contains("Role: 3 (AI developer)", Server.Last.UserMessage, StringComparison.Ordinal);

        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players, code, round, Ct);
        }

        var feedback = await HttpAssert.OkAsync<JsonElement>(await AiKit.FeedbackAsync(players[0], code, new { transcript = "caregiver: wait\nfamily: agreed" }, Ct));
        Assert.Equal("openai", feedback.GetProperty("ai").GetProperty("provider").GetString());
        Assert.Equal("Model summary: the group agreed carefully.", feedback.GetProperty("summary").GetString());
        Assert.Equal("facilitator", feedback.GetProperty("points")[0].GetProperty("kind").GetString());
        Assert.Equal(5, feedback.GetProperty("figures").GetProperty("rounds_covered").GetInt32());
        Assert.Contains("\"rounds_covered\": 5", Server.Last.UserMessage, StringComparison.Ordinal);
        Assert.Contains("caregiver: wait", Server.Last.UserMessage, StringComparison.Ordinal);
        var statistics = await HttpAssert.OkAsync<JsonElement>(await players[1].GetAsync($"/rooms/{code}/statistics", Ct));
        Assert.Equal("finished", statistics.GetProperty("phase").GetString());
    }

    [Fact]
    public async Task An_invalid_answer_is_asked_for_again_and_a_second_one_falls_back_to_the_offline_facilitator()
    {
        var author = await RoomKit.GuestAsync(fixture.Client, Ct);
        var before = Server.Requests.Count;
        Server.Enqueue(context => FakeOpenAiServer.Completion(context, "Sure! Here is a scenario about robots."));
        Server.Enqueue(context => FakeOpenAiServer.Completion(context, ModelAnswers.ScenarioWithFourRounds()));

        var generated = await AiKit.GeneratedAsync(author, new { topic = "medication-ai", seed = 9 }, Ct);

        Assert.Equal(before + 2, Server.Requests.Count);
        var ai = generated.GetProperty("ai");
        Assert.Equal("offline", ai.GetProperty("provider").GetString());
        Assert.True(ai.GetProperty("fell_back").GetBoolean());
        Assert.Equal("invalid_response", ai.GetProperty("fallback_reason").GetString());
        Assert.Equal(2, ai.GetProperty("attempts").GetInt32());
        var expected = new OfflineFacilitator(ScenarioBank.LoadEmbedded(), QuestionTemplates.LoadEmbedded()).Vary(ScenarioBank.LoadEmbedded().FindByTopic("medication-ai")!, 9);
        Assert.Equal(expected.Id, generated.GetProperty("scenario_id").GetString());

        // The fallback is a scenario like any other: a room can be created on it.
        var (_, _, room) = await AiKit.StartedRoomOnAsync(fixture.Client, expected.Id, Ct);
        Assert.Equal("medication-ai", room.GetProperty("topic").GetString());
    }

    [Fact]
    public async Task An_invalid_answer_followed_by_a_valid_one_is_the_model_answer()
    {
        var author = await RoomKit.GuestAsync(fixture.Client, Ct);
        Server.Enqueue(context => FakeOpenAiServer.Completion(context, "{\"title\": \"truncated", finishReason: "length"));

        var generated = await AiKit.GeneratedAsync(author, new { topic = "night-care-robot" }, Ct);

        Assert.Equal("openai", generated.GetProperty("ai").GetProperty("provider").GetString());
        Assert.Equal(2, generated.GetProperty("ai").GetProperty("attempts").GetInt32());
        Assert.Contains(fixture.Factory.Logs.Lines, line => line.Contains("attempt 1 answered outside the required shape", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Invalid_questions_fall_back_to_the_curated_ones_for_the_role()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(fixture.Client, Ct);
        Server.Enqueue(context => FakeOpenAiServer.Completion(context, "{\"questions\": []}"));
        Server.Enqueue(context => FakeOpenAiServer.Completion(context, "{\"questions\": [{\"ko\": \"\", \"en\": \"Only English?\"}, {\"ko\": \"둘\", \"en\": \"two\"}]}"));

        var questions = await HttpAssert.OkAsync<JsonElement>(await AiKit.QuestionsAsync(players[0], code, Ct));

        Assert.Equal("invalid_response", questions.GetProperty("ai").GetProperty("fallback_reason").GetString());
        var curated = QuestionTemplates.LoadEmbedded().Curated(RoomKit.Topic, 1, 1)!;
        Assert.Equal(curated.En, questions.GetProperty("questions")[1].GetString());
    }

    [Fact]
    public async Task A_refused_key_falls_back_and_the_key_appears_in_no_log_line_and_no_answer()
    {
        var author = await RoomKit.GuestAsync(fixture.Client, Ct);
        Server.Enqueue(context => FakeOpenAiServer.Error(context, StatusCodes.Status401Unauthorized, $"Incorrect API key provided: {OpenAiGatewayFixture.ApiKey}.", "invalid_api_key"));

        var response = await AiKit.GenerateAsync(author, new { topic = "ai-companion-data" }, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var generated = await HttpAssert.OkAsync<JsonElement>(response, HttpStatusCode.Created);

        Assert.Equal("upstream_error", generated.GetProperty("ai").GetProperty("fallback_reason").GetString());
        Assert.Equal(1, generated.GetProperty("ai").GetProperty("attempts").GetInt32());
        Assert.DoesNotContain(OpenAiGatewayFixture.ApiKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain("4f9c2e7a1b", string.Join('\n', fixture.Factory.Logs.Lines), StringComparison.Ordinal);
        Assert.Contains(fixture.Factory.Logs.Lines, line => line.Contains("AI scenario: the offline facilitator answers instead (upstream_error, after 1 call(s))", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Token_usage_is_logged_for_every_call()
    {
        var author = await RoomKit.GuestAsync(fixture.Client, Ct);

        await AiKit.GeneratedAsync(author, new { topic = "emotion-recognition" }, Ct);

        Assert.Contains(fixture.Factory.Logs.Lines, line => line.Contains($"AI scenario: model {FakeOpenAiServer.Model}, attempt 1, tokens prompt 321 + completion 123 = 444", StringComparison.Ordinal));
    }
}

/// <summary>
/// The provider's limits, each on its own gateway so that one test's timeouts or open circuit do not
/// reach another: a slow endpoint, one that fails, too many calls at once, and a client that leaves.
/// </summary>
public sealed class OpenAiProviderLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_slow_answer_times_out_and_the_offline_facilitator_answers()
    {
        var (server, factory) = await OpenAiGatewayFixture.StartAsync(("Ai:TimeoutSeconds", "1"));
        await using var _ = server;
        await using var __ = factory;
        server.Default = AnswersAfterHalfAMinute;
        var author = await RoomKit.GuestAsync(factory.CreateClient(), Ct);

        var clock = Stopwatch.StartNew();
        var generated = await AiKit.GeneratedAsync(author, new { topic = "medication-ai" }, Ct);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"The answer took {clock.Elapsed}.");
        Assert.Equal("timeout", generated.GetProperty("ai").GetProperty("fallback_reason").GetString());
        Assert.Equal("offline", generated.GetProperty("scenario").GetProperty("source").GetString());
        Assert.Single(server.Requests);
        await WaitUntilAsync(() => server.Aborted == 1, "the timed-out call was never abandoned");
    }

    /// <summary>A model that answers well, but only after 30 s: past any timeout these tests set.</summary>
    private static async Task AnswersAfterHalfAMinute(HttpContext context, RecordedRequest request)
    {
        await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        await FakeOpenAiServer.ValidAnswer(context, request);
    }

    /// <summary>A breaker that opens once two calls have failed at half or more, and stays open through the test.</summary>
    private static readonly (string Key, string Value)[] OpensAfterTwoFailures =
    [
        ("Ai:CircuitBreaker:MinimumThroughput", "2"),
        ("Ai:CircuitBreaker:FailureRatio", "0.5"),
        ("Ai:CircuitBreaker:BreakSeconds", "60"),
    ];

    /// <summary>Generates <paramref name="count"/> scenarios one after another; answers each one's fallback reason (null: the model answered).</summary>
    private static async Task<List<string?>> FallbackReasonsAsync(Player author, int count)
    {
        var reasons = new List<string?>();
        for (var i = 0; i < count; i++)
        {
            var generated = await AiKit.GeneratedAsync(author, new { topic = "medication-ai", seed = i }, Ct);
            reasons.Add(generated.GetProperty("ai").GetProperty("fallback_reason").GetString());
        }

        return reasons;
    }

    [Fact]
    public async Task Repeated_server_errors_open_the_circuit_and_calls_stop_reaching_the_endpoint()
    {
        var (server, factory) = await OpenAiGatewayFixture.StartAsync(OpensAfterTwoFailures);
        await using var _ = server;
        await using var __ = factory;
        server.Default = (context, _) => FakeOpenAiServer.Error(context, StatusCodes.Status500InternalServerError);
        var author = await RoomKit.GuestAsync(factory.CreateClient(), Ct);

        var reasons = await FallbackReasonsAsync(author, 4);

        Assert.Equal(["upstream_error", "upstream_error", "circuit_open", "circuit_open"], reasons);
        Assert.Equal(2, server.Requests.Count);
        Assert.Contains(factory.Logs.Lines, line => line.Contains("AI circuit opened", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Repeated_timeouts_open_the_circuit_too()
    {
        var (server, factory) = await OpenAiGatewayFixture.StartAsync([("Ai:TimeoutSeconds", "1"), .. OpensAfterTwoFailures]);
        await using var _ = server;
        await using var __ = factory;
        server.Default = AnswersAfterHalfAMinute;
        var author = await RoomKit.GuestAsync(factory.CreateClient(), Ct);

        var reasons = await FallbackReasonsAsync(author, 4);

        Assert.Equal(["timeout", "timeout", "circuit_open", "circuit_open"], reasons);
        Assert.Equal(2, server.Requests.Count);
        Assert.Contains(factory.Logs.Lines, line => line.Contains("AI circuit opened", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_more_than_the_configured_calls_are_in_flight_and_the_rest_fall_back_as_busy()
    {
        var (server, factory) = await OpenAiGatewayFixture.StartAsync(("Ai:MaxConcurrentCalls", "2"), ("Ai:MaxQueuedCalls", "0"));
        await using var _ = server;
        await using var __ = factory;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Default = async (context, request) =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            await FakeOpenAiServer.ValidAnswer(context, request);
        };
        var client = factory.CreateClient();
        var authors = await RoomKit.GuestsAsync(client, 5, Ct);

        var calls = authors.Select(author => AiKit.GeneratedAsync(author, new { topic = "night-care-robot" }, Ct)).ToList();
        await WaitUntilAsync(() => server.Requests.Count == 2 && factory.Logs.Lines.Count(l => l.Contains("(busy, after 0 call(s))", StringComparison.Ordinal)) == 3, "two calls in flight and three turned away");
        release.SetResult();
        var answers = await Task.WhenAll(calls);

        Assert.Equal(2, server.MaxInFlight);
        Assert.Equal(2, answers.Count(a => a.GetProperty("ai").GetProperty("provider").GetString() == "openai"));
        Assert.Equal(3, answers.Count(a => a.GetProperty("ai").GetProperty("fallback_reason").GetString() == "busy"));
    }

    [Fact]
    public async Task A_client_that_goes_away_cancels_the_model_call()
    {
        var (server, factory) = await OpenAiGatewayFixture.StartAsync(("Ai:TimeoutSeconds", "25"));
        await using var _ = server;
        await using var __ = factory;
        server.Default = async (context, request) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted);
            await FakeOpenAiServer.ValidAnswer(context, request);
        };
        var author = await RoomKit.GuestAsync(factory.CreateClient(), Ct);

        using var leaving = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var call = AiKit.GenerateAsync(author, new { topic = "medication-ai" }, leaving.Token);
        await WaitUntilAsync(() => server.Requests.Count == 1, "the model was never called");
        var clock = Stopwatch.StartNew();
        await leaving.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await WaitUntilAsync(() => server.Aborted == 1, "the model call went on after the client left");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"The model call was abandoned only after {clock.Elapsed}, not when the client left.");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(50, Ct);
        }
    }
}
