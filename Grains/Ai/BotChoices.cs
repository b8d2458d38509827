using System.Text.Json.Nodes;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;

namespace Dilemma.Grains.Ai;

/// <summary>A bot's seat to decide: <see cref="RoleId"/> in round <see cref="RoundNumber"/> of <see cref="Scenario"/>, in room <see cref="RoomCode"/> (the offline rule's seed).</summary>
public sealed record BotBrief(string RoomCode, Scenario Scenario, int RoundNumber, int RoleId, string Language)
{
    public ScenarioRound Round => Scenario.Rounds[RoundNumber - 1];
}

/// <summary>A bot's choice, and the one sentence shown to the others; no sentence when the offline rule chose.</summary>
public sealed record BotChoice(int Choice, int Confidence, string? Reason);

/// <summary>The bot's choice by each provider, and the rules a model's answer must keep.</summary>
public static class BotChoices
{
    /// <summary>One sentence, shown to the others beside the bot's choice.</summary>
    public const int MaxReasonLength = 300;

    /// <summary>The offline provider's choice: <see cref="OfflineBotRule"/>, with no reason (no one thought one).</summary>
    public static BotChoice Offline(BotBrief brief)
    {
        var (choice, confidence) = OfflineBotRule.Choose(brief.RoomCode, brief.RoundNumber, brief.RoleId, brief.Round.Options.Count);
        return new BotChoice(choice, confidence, null);
    }

    /// <summary>
    /// Reads <c>{"choice": N, "confidence": C, "reason": "..."}</c>: an option of this round, a
    /// confidence the game accepts from a person, and one non-empty sentence of at most
    /// <see cref="MaxReasonLength"/> characters. Anything else is an invalid answer (asked again, then the rule chooses).
    /// </summary>
    public static BotChoice ReadModelAnswer(string answer, int optionCount)
    {
        var root = GeneratedScenarios.ParseObject(answer);
        var choice = Integer(root, "choice");
        if (choice < 0 || choice >= optionCount)
        {
            throw new InvalidModelAnswerException($"choice {choice} is not one of the options 0 to {optionCount - 1}.");
        }

        var confidence = Integer(root, "confidence");
        if (confidence is < RoomRules.MinConfidence or > RoomRules.MaxConfidence)
        {
            throw new InvalidModelAnswerException($"confidence {confidence} is not from {RoomRules.MinConfidence} to {RoomRules.MaxConfidence}.");
        }

        var reason = root["reason"] is JsonValue value && value.TryGetValue<string>(out var text) ? text.Trim() : null;
        if (string.IsNullOrEmpty(reason))
        {
            throw new InvalidModelAnswerException("reason needs a non-empty string.");
        }

        return reason.Length <= MaxReasonLength
            ? new BotChoice(choice, confidence, reason)
            : throw new InvalidModelAnswerException($"reason is longer than {MaxReasonLength} characters.");
    }

    private static int Integer(JsonObject root, string name) =>
        root[name] is JsonValue value && value.TryGetValue<int>(out var number)
            ? number
            : throw new InvalidModelAnswerException($"{name} needs a whole number.");
}
