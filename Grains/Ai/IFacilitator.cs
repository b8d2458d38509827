using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;

namespace Dilemma.Grains.Ai;

/// <summary>
/// What the facilitator can do, whoever does it: <see cref="OfflineFacilitator"/> (the default, no
/// network) or <see cref="OpenAiFacilitator"/> (an OpenAI-compatible model, falling back to the
/// offline one). <c>Ai:Provider</c> chooses. Every answer carries its provenance.
/// </summary>
public interface IFacilitator
{
    Task<FacilitatorAnswer<Scenario>> GenerateScenarioAsync(ScenarioBrief brief, CancellationToken cancellationToken);

    Task<FacilitatorAnswer<IReadOnlyList<LocalizedText>>> AskAsync(QuestionBrief brief, CancellationToken cancellationToken);

    Task<FacilitatorAnswer<FeedbackText>> GiveFeedbackAsync(FeedbackBrief brief, CancellationToken cancellationToken);

    /// <summary>A bot seat's choice in a round, with the one-sentence reason a model gives for it.</summary>
    Task<FacilitatorAnswer<BotChoice>> ChooseForBotAsync(BotBrief brief, CancellationToken cancellationToken);
}

/// <summary>
/// An answer and its provenance; <paramref name="RawAnswerSha256"/> is the SHA-256 (lower-case hex) of the model's
/// answer as received, the text the value was read from, and null when no model answered (the offline rules did).
/// </summary>
public sealed record FacilitatorAnswer<T>(T Value, AiProvenance Ai, string? RawAnswerSha256 = null);

/// <summary>A scenario to generate: on <see cref="Topic"/> (or one the seed picks), in the spirit of <see cref="Guidance"/>.</summary>
public sealed record ScenarioBrief(string? Topic, string? Guidance, int Seed, string Language);

/// <summary>Questions for <see cref="RoleId"/> in round <see cref="RoundNumber"/> of <see cref="Scenario"/>.</summary>
public sealed record QuestionBrief(Scenario Scenario, int RoundNumber, int RoleId, string Language)
{
    public ScenarioRound Round => Scenario.Rounds[RoundNumber - 1];
}

/// <summary>Feedback on the rounds <see cref="Analysis"/> covers, with the figures the rules computed.</summary>
public sealed record FeedbackBrief(Scenario Scenario, RoomStatistics Statistics, FeedbackAnalysis Analysis, int? RoundNumber, string? Transcript, string Language);

/// <summary>The words of feedback: a summary and the points to discuss.</summary>
public sealed record FeedbackText(LocalizedText Summary, IReadOnlyList<FeedbackPoint> Points);

/// <summary>What the rules make of a room's statistics: the figures, and offline feedback written from them.</summary>
public sealed record FeedbackAnalysis(FeedbackFigures Figures, FeedbackText Text);
