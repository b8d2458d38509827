using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dilemma.Grains.Interfaces.Scenarios;
using Dilemma.Grains.Scenarios;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Dilemma.Tests.Scenarios;

/// <summary>
/// The built-in scenario bank: what ships keeps every rule, and a file that breaks one is refused
/// with a message that names the file and the rule.
/// </summary>
public sealed class ScenarioBankTests
{
    private static readonly ScenarioBank Bank = ScenarioBank.LoadEmbedded();

    public static TheoryData<string> BankTopics => new(ScenarioBank.LoadEmbedded().Topics.Select(t => t.Topic));

    [Fact]
    public void The_embedded_bank_loads_at_least_four_topics_in_topic_order()
    {
        var topics = Bank.Topics.Select(t => t.Topic).ToList();

        Assert.True(topics.Count >= 4, $"The bank has {topics.Count} topics; it needs at least 4.");
        Assert.Subset(topics.ToHashSet(), new HashSet<string> { "care-robot-monitoring", "medication-ai", "emotion-recognition", "ai-companion-data" });
        Assert.Equal(topics.Order(StringComparer.Ordinal), topics);
        Assert.All(Bank.Topics, t => Assert.Equal(Bank.FindByTopic(t.Topic)!.Id, t.ScenarioId));
    }

    [Theory]
    [MemberData(nameof(BankTopics))]
    public void Every_bank_scenario_keeps_every_rule_in_both_languages(string topic)
    {
        var scenario = Bank.FindByTopic(topic);

        Assert.NotNull(scenario);
        Assert.Matches("^[a-z0-9-]{1,64}$", scenario.Topic);
        Assert.Matches("^[a-z0-9-]{1,64}$", scenario.Id);
        Assert.Equal("bank", scenario.Source);
        Assert.Matches("^[0-9a-f]{16}$", scenario.Version);
        AssertBilingual(scenario.Title);
        AssertBilingual(scenario.Summary);
        Assert.Equal([1, 2, 3, 4, 5], scenario.Rounds.Select(r => r.RoundNumber));
        foreach (var round in scenario.Rounds)
        {
            AssertBilingual(round.Title);
            AssertBilingual(round.Dilemma);
            Assert.InRange(round.Options.Count, 2, 4);
            Assert.All(round.Options, AssertBilingual);
            Assert.Equal(round.Options.Count, round.Options.Distinct().Count());
            Assert.Equal([1, 2, 3], round.RoleContexts.Keys.Order());
            Assert.All(round.RoleContexts.Values, role =>
            {
                AssertBilingual(role.Context);
                AssertBilingual(role.Question);
            });
        }
    }

    [Fact]
    public void The_bank_uses_two_three_and_four_options()
    {
        var counts = Bank.Topics.SelectMany(t => Bank.FindByTopic(t.Topic)!.Rounds).Select(r => r.Options.Count).ToHashSet();

        Assert.Equal([2, 3, 4], counts.Order());
    }

    [Fact]
    public void Topics_are_matched_exactly()
    {
        Assert.Null(Bank.FindByTopic("no-such-topic"));
        Assert.Null(Bank.FindByTopic("Medication-AI"));
        Assert.Null(Bank.FindByTopic(" medication-ai"));
        Assert.NotNull(Bank.FindByTopic("medication-ai"));
    }

    [Fact]
    public void Version_is_a_short_sha256_of_the_file_bytes()
    {
        using var stream = typeof(ScenarioBank).Assembly.GetManifestResourceStream("ScenarioBank/medication-ai.json");
        Assert.NotNull(stream);
        var expected = Convert.ToHexStringLower(SHA256.HashData(stream).AsSpan(0, 8));

        Assert.Equal(expected, Bank.FindByTopic("medication-ai")!.Version);

        var file = ValidFile("versioned");
        var first = Single(file).Version;
        Assert.Equal(first, Single(file).Version);
        file["summary"]!["en"] = "A different summary";
        Assert.NotEqual(first, Single(file).Version);
    }

    [Fact]
    public void A_valid_file_loads()
    {
        var bank = ScenarioBank.Load([("good.json", ValidFile("good-topic").ToJsonString())]);

        var topic = Assert.Single(bank.Topics);
        Assert.Equal("good-topic", topic.Topic);
        Assert.Equal("test-good-topic", topic.ScenarioId);
        Assert.Equal(3, bank.FindByTopic("good-topic")!.Rounds[0].Options.Count);
    }

    [Theory]
    [InlineData("four_rounds", "round_count")]
    [InlineData("six_rounds", "round_count")]
    [InlineData("one_option", "option_count")]
    [InlineData("five_options", "option_count")]
    [InlineData("missing_role_3", "role_contexts")]
    [InlineData("role_4", "role_contexts")]
    [InlineData("empty_english", "text")]
    [InlineData("blank_korean", "text")]
    [InlineData("missing_question", "text")]
    [InlineData("rounds_out_of_order", "round_number")]
    [InlineData("topic_with_capitals", "topic")]
    [InlineData("topic_ending_in_a_newline", "topic")]
    [InlineData("topic_too_long", "topic")]
    [InlineData("id_with_spaces", "id")]
    [InlineData("misspelt_field", "json")]
    [InlineData("option_as_string", "json")]
    public void A_file_that_breaks_a_rule_is_refused_naming_the_file_and_the_rule(string breakage, string rule)
    {
        var file = ValidFile();
        Break(file, breakage);

        var error = Assert.Throws<InvalidScenarioBankException>(() => ScenarioBank.Load([("broken.json", file.ToJsonString())]));

        Assert.Contains($"broken.json: [{rule}]", error.Message, StringComparison.Ordinal);
        Assert.NotEmpty(error.Violations);
        Assert.All(error.Violations, v => Assert.Equal(("broken.json", rule), (v.File, v.Rule)));
    }

    [Fact]
    public void A_role_written_twice_is_refused()
    {
        // JsonObject cannot hold a duplicate key, so write one into the text: role "1" twice, no role "2".
        var json = ValidFile().ToJsonString();
        var round = json.IndexOf("\"2\":", StringComparison.Ordinal);
        json = string.Concat(json.AsSpan(0, round), "\"1\":", json.AsSpan(round + 4));

        var error = Assert.Throws<InvalidScenarioBankException>(() => ScenarioBank.Load([("twice.json", json)]));

        Assert.Contains("twice.json: [json]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_topic_is_refused_naming_both_files()
    {
        var first = ValidFile("same-topic");
        var second = ValidFile("same-topic");
        second["id"] = "another-id";

        var error = Assert.Throws<InvalidScenarioBankException>(() =>
            ScenarioBank.Load([("first.json", first.ToJsonString()), ("second.json", second.ToJsonString())]));

        var violation = Assert.Single(error.Violations);
        Assert.Equal(("second.json", "topic_unique"), (violation.File, violation.Rule));
        Assert.Contains("second.json: [topic_unique]", error.Message, StringComparison.Ordinal);
        Assert.Contains("first.json", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_id_is_refused()
    {
        var first = ValidFile("topic-one");
        var second = ValidFile("topic-two");
        second["id"] = first["id"]!.GetValue<string>();

        var error = Assert.Throws<InvalidScenarioBankException>(() =>
            ScenarioBank.Load([("one.json", first.ToJsonString()), ("two.json", second.ToJsonString())]));

        Assert.Equal(("two.json", "id_unique"), (error.Violations.Single().File, error.Violations.Single().Rule));
    }

    [Fact]
    public void Every_problem_of_every_file_is_reported_at_once()
    {
        var a = ValidFile("topic-a");
        Break(a, "one_option");
        Break(a, "empty_english");
        var b = ValidFile("topic-b");
        Break(b, "missing_role_3");

        var error = Assert.Throws<InvalidScenarioBankException>(() =>
            ScenarioBank.Load([("a.json", a.ToJsonString()), ("b.json", b.ToJsonString()), ("fine.json", ValidFile("fine").ToJsonString())]));

        Assert.Equal(
            [("a.json", "option_count"), ("a.json", "text"), ("b.json", "role_contexts")],
            error.Violations.Select(v => (v.File, v.Rule)).Order());
    }

    [Fact]
    public void An_empty_bank_is_refused()
    {
        var error = Assert.Throws<InvalidScenarioBankException>(() => ScenarioBank.Load([]));

        Assert.Equal("bank_not_empty", Assert.Single(error.Violations).Rule);
    }

    [Fact]
    public void A_bank_scenario_crosses_the_orleans_wire_intact()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var scenario = Bank.FindByTopic("ai-companion-data")!;

        var copy = serializer.Deserialize<Scenario>(serializer.SerializeToArray(scenario));

        Assert.Equal(JsonSerializer.Serialize(scenario), JsonSerializer.Serialize(copy));
    }

    private static void AssertBilingual(LocalizedText text)
    {
        Assert.False(string.IsNullOrWhiteSpace(text.Ko), "A Korean text is empty.");
        Assert.False(string.IsNullOrWhiteSpace(text.En), "An English text is empty.");
        // Catches a text pasted into the wrong language.
        Assert.True(text.Ko.Any(IsHangul), $"Korean text without Hangul: {text.Ko}");
        Assert.False(text.En.Any(IsHangul), $"English text with Hangul: {text.En}");
    }

    private static bool IsHangul(char c) => c is >= '\uAC00' and <= '\uD7A3';

    private static Scenario Single(JsonObject file) => ScenarioBank.Load([("one.json", file.ToJsonString())]).FindByTopic(file["topic"]!.GetValue<string>())!;

    private static void Break(JsonObject file, string breakage)
    {
        var rounds = file["rounds"]!.AsArray();
        switch (breakage)
        {
            case "four_rounds":
                rounds.RemoveAt(4);
                break;
            case "six_rounds":
                rounds.Add(Round(6));
                break;
            case "one_option":
                rounds[0]!["options"] = new JsonArray(Text("only option"));
                break;
            case "five_options":
                rounds[1]!["options"]!.AsArray().Add(Text("fourth"));
                rounds[1]!["options"]!.AsArray().Add(Text("fifth"));
                break;
            case "missing_role_3":
                rounds[4]!["role_contexts"]!.AsObject().Remove("3");
                break;
            case "role_4":
                rounds[2]!["role_contexts"]!["4"] = Role();
                break;
            case "empty_english":
                rounds[2]!["options"]![1]!["en"] = string.Empty;
                break;
            case "blank_korean":
                rounds[3]!["dilemma"]!["ko"] = "   ";
                break;
            case "missing_question":
                rounds[1]!["role_contexts"]!["2"]!.AsObject().Remove("question");
                break;
            case "rounds_out_of_order":
                rounds[1]!["round_number"] = 3;
                rounds[2]!["round_number"] = 2;
                break;
            case "topic_with_capitals":
                file["topic"] = "Care-Robot";
                break;
            case "topic_ending_in_a_newline":
                file["topic"] = "care-robot\n";
                break;
            case "topic_too_long":
                file["topic"] = new string('a', 65);
                break;
            case "id_with_spaces":
                file["id"] = "my scenario";
                break;
            case "misspelt_field":
                var round = rounds[0]!.AsObject();
                var dilemma = round["dilemma"]!.DeepClone();
                round.Remove("dilemma");
                round["dilema"] = dilemma;
                break;
            case "option_as_string":
                rounds[0]!["options"]![0] = "not an object";
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(breakage), breakage, "No such breakage.");
        }
    }

    private static JsonObject ValidFile(string topic = "test-topic") => new()
    {
        ["id"] = $"test-{topic}",
        ["topic"] = topic,
        ["title"] = Text("제목"),
        ["summary"] = Text("요약"),
        ["rounds"] = new JsonArray([.. Enumerable.Range(1, 5).Select(n => (JsonNode)Round(n))]),
    };

    private static JsonObject Round(int number) => new()
    {
        ["round_number"] = number,
        ["title"] = Text($"라운드 {number}"),
        ["dilemma"] = Text("딜레마"),
        ["options"] = new JsonArray(Text("선택 가"), Text("선택 나"), Text("선택 다")),
        ["role_contexts"] = new JsonObject { ["1"] = Role(), ["2"] = Role(), ["3"] = Role() },
    };

    private static JsonObject Role() => new() { ["context"] = Text("상황"), ["question"] = Text("질문") };

    private static JsonObject Text(string korean) => new() { ["ko"] = korean, ["en"] = $"English for \"{korean}\"" };
}
