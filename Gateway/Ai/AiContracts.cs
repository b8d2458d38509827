using System.ComponentModel.DataAnnotations;
using Dilemma.Gateway.Scenarios;
using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Gateway.Ai;

/// <summary>
/// A scenario to generate. <c>topic</c>: a topic key (any with an LLM; a bank topic offline; absent:
/// one the seed picks). <c>guidance</c>: free text for the LLM. <c>seed</c>: repeats an offline variation.
/// </summary>
public sealed record GenerateScenarioRequest(
    [property: StringLength(RoomRules.TopicMaxLength)] string? Topic,
    [property: StringLength(AiRules.GuidanceMaxLength)] string? Guidance,
    int? Seed);

/// <summary>Feedback on <c>round_number</c> (absent: every completed round), reading <c>transcript</c> when given.</summary>
public sealed record FeedbackRequestBody(int? RoundNumber, string? Transcript);

/// <summary>Who answered: <c>provider</c> openai or offline; <c>fell_back</c> with its <c>fallback_reason</c> when an LLM was configured but the offline facilitator answered.</summary>
public sealed record AiProvenanceResponse(string Provider, string? Model, bool FellBack, string? FallbackReason, int Attempts, string PromptVersion);

public sealed record GeneratedScenarioResponse<TText>(string ScenarioId, int Seed, ScenariosApi.ScenarioResponse<TText> Scenario, AiProvenanceResponse Ai);

public sealed record QuestionsResponse<TText>(string RoomCode, int RoundNumber, int RoleId, string Role, string Lang, IReadOnlyList<TText> Questions, AiProvenanceResponse Ai);

public sealed record FeedbackResponse<TText>(
    string RoomCode,
    int? RoundNumber,
    string Lang,
    TText Summary,
    IReadOnlyList<FeedbackPointResponse<TText>> Points,
    FeedbackFigures Figures,
    AiProvenanceResponse Ai);

public sealed record FeedbackPointResponse<TText>(string Kind, TText Text);
