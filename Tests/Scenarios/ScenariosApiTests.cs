using System.Net;
using System.Text.Json;
using Dilemma.Grains.Scenarios;
using Dilemma.Tests.Hosting;

namespace Dilemma.Tests.Scenarios;

/// <summary><c>GET /topics</c> and <c>GET /scenarios/{topic}</c> through the real gateway.</summary>
public sealed class ScenariosApiTests(EmbeddedGatewayFixture gateway) : IClassFixture<EmbeddedGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Topics_lists_every_bank_topic_in_korean_by_default()
    {
        var response = await gateway.Client.GetAsync("/topics", Ct);
        var body = await HttpAssert.OkAsync<JsonElement>(response);

        Assert.Equal("ko", body.GetProperty("lang").GetString());
        Assert.Equal("ko", response.Content.Headers.ContentLanguage.Single());
        Assert.Contains("Accept-Language", response.Headers.Vary);
        var topics = body.GetProperty("topics").EnumerateArray().ToList();
        Assert.Equal(ScenarioBank.LoadEmbedded().Topics.Select(t => t.Topic), topics.Select(t => t.GetProperty("topic").GetString()));
        Assert.All(topics, topic =>
        {
            Assert.StartsWith("bank-", topic.GetProperty("scenario_id").GetString(), StringComparison.Ordinal);
            Assert.True(HasHangul(topic.GetProperty("title").GetString()));
            Assert.True(HasHangul(topic.GetProperty("summary").GetString()));
        });
    }

    [Theory]
    [InlineData("en-GB,en;q=0.9,ko;q=0.5", "en")]
    [InlineData("ko-KR,ko;q=0.9,en;q=0.8", "ko")]
    [InlineData("fr-FR, en;q=0.5", "en")]
    [InlineData("en;q=0.3, ko;q=0.8", "ko")]
    [InlineData("en;q=0, ko;q=0.1", "ko")]
    [InlineData("eng, de", "ko")]
    [InlineData("*", "ko")]
    [InlineData(";;;q=nonsense,,=", "ko")]
    public async Task Accept_language_chooses_the_language_when_lang_is_absent(string header, string expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/topics");
        request.Headers.TryAddWithoutValidation("Accept-Language", header);

        var body = await HttpAssert.OkAsync<JsonElement>(await gateway.Client.SendAsync(request, Ct));

        Assert.Equal(expected, body.GetProperty("lang").GetString());
        var title = body.GetProperty("topics")[0].GetProperty("title").GetString();
        Assert.Equal(expected == "ko", HasHangul(title));
    }

    [Fact]
    public async Task Lang_overrides_accept_language()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/scenarios/medication-ai?lang=KO");
        request.Headers.TryAddWithoutValidation("Accept-Language", "en");

        var body = await HttpAssert.OkAsync<JsonElement>(await gateway.Client.SendAsync(request, Ct));

        Assert.Equal("ko", body.GetProperty("lang").GetString());
        Assert.True(HasHangul(body.GetProperty("rounds")[0].GetProperty("dilemma").GetString()));
    }

    [Fact]
    public async Task Lang_all_renders_every_text_in_both_languages()
    {
        var topicsResponse = await gateway.Client.GetAsync("/topics?lang=all", Ct);
        var topics = await HttpAssert.OkAsync<JsonElement>(topicsResponse);
        var scenario = await HttpAssert.OkAsync<JsonElement>(await gateway.Client.GetAsync("/scenarios/emotion-recognition?lang=all", Ct));

        Assert.Equal("all", topics.GetProperty("lang").GetString());
        Assert.Equal(["ko", "en"], topicsResponse.Content.Headers.ContentLanguage);
        AssertBoth(topics.GetProperty("topics")[0].GetProperty("title"));
        Assert.Equal("all", scenario.GetProperty("lang").GetString());
        AssertBoth(scenario.GetProperty("summary"));
        var round = scenario.GetProperty("rounds")[4];
        AssertBoth(round.GetProperty("dilemma"));
        AssertBoth(round.GetProperty("options")[0].GetProperty("text"));
        AssertBoth(round.GetProperty("role_contexts")[2].GetProperty("question"));
    }

    [Fact]
    public async Task A_scenario_has_five_rounds_with_numbered_options_and_all_three_roles()
    {
        var bank = ScenarioBank.LoadEmbedded().FindByTopic("care-robot-monitoring")!;

        var body = await HttpAssert.OkAsync<JsonElement>(await gateway.Client.GetAsync("/scenarios/care-robot-monitoring?lang=en", Ct));

        Assert.Equal("care-robot-monitoring", body.GetProperty("topic").GetString());
        Assert.Equal(bank.Id, body.GetProperty("scenario_id").GetString());
        Assert.Equal(bank.Version, body.GetProperty("version").GetString());
        Assert.Equal("bank", body.GetProperty("source").GetString());
        Assert.Equal("en", body.GetProperty("lang").GetString());
        Assert.Equal(bank.Title.En, body.GetProperty("title").GetString());
        var rounds = body.GetProperty("rounds").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3, 4, 5], rounds.Select(r => r.GetProperty("round_number").GetInt32()));
        foreach (var (round, expected) in rounds.Zip(bank.Rounds))
        {
            Assert.Equal(expected.Dilemma.En, round.GetProperty("dilemma").GetString());
            Assert.Equal(expected.Title.En, round.GetProperty("title").GetString());
            var options = round.GetProperty("options").EnumerateArray().ToList();
            Assert.Equal(Enumerable.Range(0, expected.Options.Count), options.Select(o => o.GetProperty("choice").GetInt32()));
            Assert.Equal(expected.Options.Select(o => o.En), options.Select(o => o.GetProperty("text").GetString()));
            var roles = round.GetProperty("role_contexts").EnumerateArray().ToList();
            Assert.Equal([1, 2, 3], roles.Select(r => r.GetProperty("role_id").GetInt32()));
            Assert.Equal(["caregiver", "family_member", "ai_developer"], roles.Select(r => r.GetProperty("role").GetString()));
            Assert.All(roles, role =>
            {
                var context = role.GetProperty("context").GetString();
                var question = role.GetProperty("question").GetString();
                Assert.False(string.IsNullOrWhiteSpace(context));
                Assert.False(string.IsNullOrWhiteSpace(question));
                Assert.False(HasHangul(context + question));
            });
        }
    }

    [Fact]
    public void The_silo_holds_the_bank_it_validated_at_start_up()
    {
        var bank = gateway.Factory.Services.GetService(typeof(ScenarioBank));

        Assert.Same(ScenarioBank.LoadEmbedded(), bank);
    }

    [Fact]
    public async Task An_unknown_topic_is_404_unknown_topic()
    {
        await HttpAssert.ProblemAsync(await gateway.Client.GetAsync("/scenarios/no-such-topic", Ct), HttpStatusCode.NotFound, "unknown_topic");
    }

    [Theory]
    [InlineData("Care-Robot-Monitoring")]
    [InlineData("care_robot")]
    [InlineData("care%20robot")]
    [InlineData("caf%C3%A9")]
    [InlineData("care-robot-monitoring%0A")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task A_malformed_topic_is_400_invalid_topic(string topic)
    {
        var body = await HttpAssert.ProblemAsync(await gateway.Client.GetAsync($"/scenarios/{topic}", Ct), HttpStatusCode.BadRequest, "invalid_topic");

        Assert.Equal("topic", body.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("/topics?lang=fr")]
    [InlineData("/topics?lang=")]
    [InlineData("/scenarios/medication-ai?lang=korean")]
    public async Task An_unsupported_lang_is_400_invalid_lang(string path)
    {
        var body = await HttpAssert.ProblemAsync(await gateway.Client.GetAsync(path, Ct), HttpStatusCode.BadRequest, "invalid_lang");

        Assert.Equal("lang", body.GetProperty("field").GetString());
    }

    [Fact]
    public async Task The_openapi_document_describes_both_endpoints_and_the_language_rule()
    {
        var document = await HttpAssert.OkAsync<JsonElement>(await gateway.Client.GetAsync("/openapi/v1.json", Ct));
        var paths = document.GetProperty("paths");

        var topics = paths.GetProperty("/topics").GetProperty("get");
        var scenario = paths.GetProperty("/scenarios/{topic}").GetProperty("get");
        Assert.Contains("Accept-Language", topics.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("invalid_topic", scenario.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains(scenario.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "lang");
        Assert.True(scenario.GetProperty("responses").TryGetProperty("404", out _));

        // The documented 200 shape is the default one: text fields are plain strings.
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var topicList = Resolve(schemas, Ok(topics)).GetProperty("properties").GetProperty("topics").GetProperty("items");
        Assert.Contains("string", TypesOf(Resolve(schemas, topicList).GetProperty("properties").GetProperty("title")));
        Assert.Contains("string", TypesOf(Resolve(schemas, Ok(scenario)).GetProperty("properties").GetProperty("title")));

        static JsonElement Ok(JsonElement operation) =>
            operation.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema");

        // OpenAPI 3.1 writes a nullable type as ["null", "string"], a plain one as "string".
        static IEnumerable<string?> TypesOf(JsonElement schema) => schema.TryGetProperty("type", out var type)
            ? type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()) : [type.GetString()]
            : [];

        static JsonElement Resolve(JsonElement schemas, JsonElement schema) =>
            schema.TryGetProperty("$ref", out var reference) ? schemas.GetProperty(reference.GetString()!.Split('/')[^1]) : schema;
    }

    private static void AssertBoth(JsonElement text)
    {
        Assert.True(HasHangul(text.GetProperty("ko").GetString()));
        var english = text.GetProperty("en").GetString();
        Assert.False(string.IsNullOrWhiteSpace(english));
        Assert.False(HasHangul(english));
    }

    private static bool HasHangul(string? text) => text is not null && text.Any(c => c is >= '\uAC00' and <= '\uD7A3');
}
