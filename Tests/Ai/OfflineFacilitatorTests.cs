using Dilemma.Grains.Ai;
using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;
using Dilemma.Grains.Scenarios;

namespace Dilemma.Tests.Ai;

/// <summary>
/// The offline facilitator, which answers whenever no model does: its scenarios keep the bank's rules,
/// its questions are valid and belong to the asking role for every topic and round, and its feedback
/// follows from the figures.
/// </summary>
public sealed class OfflineFacilitatorTests
{
    private static readonly ScenarioBank Bank = ScenarioBank.LoadEmbedded();
    private static readonly QuestionTemplates Templates = QuestionTemplates.LoadEmbedded();
    private static readonly OfflineFacilitator Offline = new(Bank, Templates);

    public static TheoryData<string> Topics => new(ScenarioBank.LoadEmbedded().Topics.Select(t => t.Topic));

    [Theory]
    [MemberData(nameof(Topics))]
    public void Every_bank_topic_has_a_curated_question_for_every_round_and_role(string topic)
    {
        Assert.Contains(topic, Templates.Topics);
        for (var round = 1; round <= RoomRules.Rounds; round++)
        {
            for (var role = RoomRules.MinRole; role <= RoomRules.MaxRole; role++)
            {
                AssertBilingual(Templates.Curated(topic, round, role));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Topics))]
    public void Questions_for_every_round_and_role_are_valid_and_belong_to_that_role(string topic)
    {
        var scenario = Bank.FindByTopic(topic)!;
        foreach (var round in scenario.Rounds)
        {
            var byRole = Enumerable.Range(RoomRules.MinRole, RoomRules.MaxRole)
                .ToDictionary(role => role, role => Offline.Questions(new QuestionBrief(scenario, round.RoundNumber, role, AiRules.Korean)));
            foreach (var (role, questions) in byRole)
            {
                Assert.Equal(OfflineFacilitator.QuestionCount, questions.Count);
                Assert.All(questions, AssertBilingual);
                Assert.All(questions, q => Assert.DoesNotContain(QuestionTemplates.OptionPlaceholder, q.Ko + q.En, StringComparison.Ordinal));
                Assert.Equal(questions.Count, questions.Select(q => q.En).Distinct().Count());
                Assert.Equal(round.RoleContexts[role].Question, questions[0]);
                Assert.Equal(Templates.Curated(topic, round.RoundNumber, role), questions[1]);

                // Nothing another role is asked: the three lists share no question.
                Assert.All(byRole.Where(other => other.Key != role), other => Assert.Empty(questions.Intersect(other.Value)));
            }
        }
    }

    [Fact]
    public void A_topic_without_curated_questions_gets_the_role_templates_with_an_option_named()
    {
        var scenario = Bank.FindByTopic("medication-ai")! with { Topic = "robot-bathing" };

        var questions = Offline.Questions(new QuestionBrief(scenario, 2, 3, AiRules.English));

        Assert.Equal(3, questions.Count);
        Assert.Equal(scenario.Rounds[1].RoleContexts[3].Question, questions[0]);
        Assert.Contains(scenario.Rounds[1].Options, option => questions[1].En.Contains(option.En, StringComparison.Ordinal) && questions[1].Ko.Contains(option.Ko, StringComparison.Ordinal));
        Assert.Equal(Templates.Plain(3, 2), questions[2]);
    }

    [Theory]
    [MemberData(nameof(Topics))]
    public void Generated_scenarios_keep_every_rule_for_many_seeds(string topic)
    {
        var original = Bank.FindByTopic(topic)!;
        foreach (var seed in new[] { 0, 1, 2, 7, 42, 1_000, int.MaxValue, -5 })
        {
            var scenario = Offline.Vary(original, seed);

            Assert.Equal(topic, scenario.Topic);
            Assert.Equal(GeneratedScenarios.OfflineSource, scenario.Source);
            Assert.Matches("^gen-[0-9a-f]{16}$", scenario.Id);
            Assert.Equal(scenario.Id[4..], scenario.Version);
            Assert.Empty(GeneratedScenarios.Violations(scenario));
            Assert.Equal([1, 2, 3, 4, 5], scenario.Rounds.Select(r => r.RoundNumber));
            foreach (var (round, before) in scenario.Rounds.Zip(original.Rounds))
            {
                Assert.InRange(round.Options.Count, 2, 4);
                Assert.Equal(before.Options.OrderBy(o => o.En, StringComparer.Ordinal), round.Options.OrderBy(o => o.En, StringComparer.Ordinal));
                Assert.Equal([1, 2, 3], round.RoleContexts.Keys.Order());
                Assert.All(round.RoleContexts, role =>
                {
                    Assert.Equal(before.RoleContexts[role.Key].Context, role.Value.Context);
                    Assert.Contains(role.Value.Question, new[] { before.RoleContexts[role.Key].Question, Templates.Curated(topic, round.RoundNumber, role.Key) });
                });
            }
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_scenario_and_other_seeds_vary_it()
    {
        var original = Bank.FindByTopic("ai-companion-data")!;

        var ids = Enumerable.Range(0, 20).Select(seed => Offline.Vary(original, seed).Id).ToList();

        Assert.Equal(Offline.Vary(original, 11), Offline.Vary(original, 11), ScenarioComparer.Instance);
        Assert.Equal(Offline.Vary(original, 11).Id, Offline.Vary(original, 11).Id);
        Assert.True(ids.Distinct().Count() >= 15, $"20 seeds gave only {ids.Distinct().Count()} different scenarios.");
    }

    [Fact]
    public async Task Without_a_topic_the_seed_picks_a_bank_topic()
    {
        var topics = new HashSet<string>();
        for (var seed = 0; seed < 16; seed++)
        {
            topics.Add((await Offline.GenerateScenarioAsync(new ScenarioBrief(null, null, seed, AiRules.Korean), TestContext.Current.CancellationToken)).Value.Topic);
        }

        Assert.Equal(Bank.Topics.Select(t => t.Topic).ToHashSet(), topics);
    }

    [Fact]
    public void A_model_answer_of_the_required_shape_reads_as_a_scenario_on_the_requested_topic()
    {
        var scenario = GeneratedScenarios.ReadModelAnswer(ModelAnswers.Scenario(), "night-care");

        Assert.Equal("night-care", scenario.Topic);
        Assert.Equal(GeneratedScenarios.LlmSource, scenario.Source);
        Assert.Equal(ModelAnswers.TitleEn, scenario.Title.En);
        Assert.StartsWith(AiRules.GeneratedIdPrefix, scenario.Id, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json at all", "not JSON")]
    [InlineData("[1, 2, 3]", "not an object")]
    [InlineData("", "empty")]
    [InlineData("{\"title\": {\"ko\": \"t\", \"en\": \"t\"}}", "round_count")]
    public void A_model_answer_that_breaks_a_rule_is_refused_with_the_reason(string answer, string reason)
    {
        var refused = Assert.Throws<InvalidModelAnswerException>(() => GeneratedScenarios.ReadModelAnswer(answer, "night-care"));

        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scenario_with_four_rounds_or_a_repeated_option_is_refused()
    {
        Assert.Contains("round_count", Assert.Throws<InvalidModelAnswerException>(() => GeneratedScenarios.ReadModelAnswer(ModelAnswers.ScenarioWithFourRounds(), "t")).Message, StringComparison.Ordinal);

        var repeated = System.Text.Json.Nodes.JsonNode.Parse(ModelAnswers.Scenario())!.AsObject();
        var options = repeated["rounds"]![0]!["options"]!.AsArray();
        options[1] = options[0]!.DeepClone();
        Assert.Contains("option_unique", Assert.Throws<InvalidModelAnswerException>(() => GeneratedScenarios.ReadModelAnswer(repeated.ToJsonString(), "t")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_prompt_renders_in_both_languages_with_every_placeholder_filled()
    {
        var prompts = PromptLibrary.LoadEmbedded();
        var values = new[] { "topic", "reference_title", "guidance", "role_id", "role_name", "round_number", "round_title", "dilemma", "options", "role_context", "role_question", "scenario_title", "rounds", "figures", "transcript" }
            .ToDictionary(name => name, name => $"<{name}>");
        foreach (var purpose in new[] { PromptLibrary.Scenario, PromptLibrary.Questions, PromptLibrary.Feedback })
        {
            var korean = prompts.Render(purpose, AiRules.Korean, values);
            var english = prompts.Render(purpose, AiRules.English, values);

            Assert.Equal($"v1/ko/{purpose}", korean.Version);
            Assert.Equal($"v1/en/{purpose}", english.Version);
            Assert.True(HasHangul(korean.System) && HasHangul(korean.User));
            Assert.False(HasHangul(english.System + english.User));
            Assert.DoesNotContain("{{", korean.System + korean.User + english.System + english.User, StringComparison.Ordinal);
            Assert.Contains("JSON", english.System, StringComparison.Ordinal);
        }
    }

    private static void AssertBilingual(LocalizedText? text)
    {
        Assert.NotNull(text);
        Assert.False(string.IsNullOrWhiteSpace(text.Ko));
        Assert.False(string.IsNullOrWhiteSpace(text.En));
        Assert.True(HasHangul(text.Ko), $"Not Korean: {text.Ko}");
        Assert.False(HasHangul(text.En), $"Not English: {text.En}");
    }

    private static bool HasHangul(string text) => text.Any(c => c is >= '\uAC00' and <= '\uD7A3');

    private sealed class ScenarioComparer : IEqualityComparer<Scenario>
    {
        public static readonly ScenarioComparer Instance = new();

        public bool Equals(Scenario? x, Scenario? y) =>
            x is not null && y is not null && x.Id == y.Id
            && x.Rounds.Zip(y.Rounds).All(p => p.First.Options.SequenceEqual(p.Second.Options) && p.First.RoleContexts.OrderBy(r => r.Key).SequenceEqual(p.Second.RoleContexts.OrderBy(r => r.Key)));

        public int GetHashCode(Scenario obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}
