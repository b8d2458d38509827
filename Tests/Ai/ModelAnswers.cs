using System.Text.Json.Nodes;
using Dilemma.Grains.Interfaces.Scenarios;
using Dilemma.Grains.Scenarios;

namespace Dilemma.Tests.Ai;

/// <summary>Answers a model might give, valid and not, as the message content of a chat completion.</summary>
public static class ModelAnswers
{
    public const string TitleEn = "The night the robot stayed awake (model-written)";

    public const string Questions = """
        {"questions": [
          {"ko": "모델이 묻습니다: 이 결정은 당신의 하루를 어떻게 바꾸나요?", "en": "The model asks: how would this decision change your day?"},
          {"ko": "모델이 묻습니다: 누구의 목소리가 빠져 있나요?", "en": "The model asks: whose voice is missing here?"}
        ]}
        """;

    /// <summary>The reason the model gives for a bot's choice, as the others read it.</summary>
    public const string BotReason = "As the one who sees the resident every day, I would keep the robot's watch but tell her family each time it calls for help.";

    public const int BotChoiceOption = 1;

    public const int BotConfidence = 4;

    /// <summary>A bot's choice in the shape the prompt asks for.</summary>
    public static readonly string BotChoice = $$"""{"choice": {{BotChoiceOption}}, "confidence": {{BotConfidence}}, "reason": "{{BotReason}}"}""";

    public const string Feedback = """
        {"summary": {"ko": "모델 요약: 모둠은 신중하게 합의했습니다.", "en": "Model summary: the group agreed carefully."},
         "points": [{"ko": "모델 요점: 가족의 관점이 자주 채택되었습니다.", "en": "Model point: the family member's view often prevailed."}]}
        """;

    /// <summary>A scenario in the shape the prompt asks for: the bank's care-robot story under a new title, with four options in round 3.</summary>
    public static string Scenario()
    {
        var source = ScenarioBank.LoadEmbedded().FindByTopic("care-robot-monitoring")!;
        var root = new JsonObject
        {
            ["title"] = Text(new LocalizedText("로봇이 깨어 있던 밤 (모델 작성)", TitleEn)),
            ["summary"] = Text(source.Summary),
            ["rounds"] = new JsonArray(source.Rounds.Select(round => (JsonNode)new JsonObject
            {
                ["round_number"] = round.RoundNumber,
                ["title"] = Text(round.Title),
                ["dilemma"] = Text(round.Dilemma),
                ["options"] = new JsonArray(round.Options.Select(o => (JsonNode)Text(o)).ToArray()),
                ["role_contexts"] = new JsonObject(round.RoleContexts.OrderBy(r => r.Key).Select(r => KeyValuePair.Create(
                    r.Key.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    (JsonNode?)new JsonObject { ["context"] = Text(r.Value.Context), ["question"] = Text(r.Value.Question) }))),
            }).ToArray()),
        };
        return root.ToJsonString();
    }

    /// <summary>A scenario that breaks a rule: four rounds instead of five.</summary>
    public static string ScenarioWithFourRounds()
    {
        var root = JsonNode.Parse(Scenario())!.AsObject();
        root["rounds"]!.AsArray().RemoveAt(4);
        return root.ToJsonString();
    }

    private static JsonObject Text(LocalizedText text) => new() { ["ko"] = text.Ko, ["en"] = text.En };
}
