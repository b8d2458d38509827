using Dilemma.Grains.Interfaces.Scenarios;

namespace Dilemma.Grains.Interfaces.Ai;

/// <summary>
/// Who produced an AI answer. <see cref="Provider"/> is the one that answered (<c>openai</c> or
/// <c>offline</c>); <see cref="FellBack"/> says an LLM was configured but the offline provider
/// answered instead, for <see cref="FallbackReason"/> (see <see cref="FallbackReasons"/>).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.ai-provenance")]
public sealed record AiProvenance(
    [property: Id(0)] string Provider,
    [property: Id(1)] string? Model,
    [property: Id(2)] bool FellBack,
    [property: Id(3)] string? FallbackReason,
    [property: Id(4)] int Attempts,
    [property: Id(5)] string PromptVersion);

/// <summary>A request for a new scenario. <see cref="Seed"/> makes the offline variation repeatable; a random one is drawn when absent.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.ai-scenario-request")]
public sealed record ScenarioGenerationRequest(
    [property: Id(0)] string? Topic,
    [property: Id(1)] string? Guidance,
    [property: Id(2)] int? Seed,
    [property: Id(3)] string Language,
    [property: Id(4)] long RequestedBy);

/// <summary>A generated scenario, already saved: <c>POST /rooms/public</c> with its id plays it.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.ai-generated-scenario")]
public sealed record GeneratedScenario(
    [property: Id(0)] Scenario Scenario,
    [property: Id(1)] AiProvenance Ai,
    [property: Id(2)] int Seed);

/// <summary>What is stored for a generated scenario.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.ai-generated-scenario-record")]
public sealed record GeneratedScenarioRecord(
    [property: Id(0)] Scenario Scenario,
    [property: Id(1)] AiProvenance Ai,
    [property: Id(2)] long RequestedBy,
    [property: Id(3)] DateTimeOffset GeneratedAt);

/// <summary>Questions for one role in one round; each text in Korean and English.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.ai-role-questions")]
public sealed record RoleQuestions(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] int RoundNumber,
    [property: Id(2)] int RoleId,
    [property: Id(3)] IReadOnlyList<LocalizedText> Questions,
    [property: Id(4)] AiProvenance Ai);

/// <summary>Feedback on one completed round (<see cref="RoundNumber"/>) or, when null, on every completed round.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.ai-feedback-request")]
public sealed record FeedbackRequest(
    [property: Id(0)] int? RoundNumber,
    [property: Id(1)] string? Transcript,
    [property: Id(2)] string Language);

/// <summary>The group's feedback: a summary and points to discuss, with the figures they rest on.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.ai-group-feedback")]
public sealed record GroupFeedback(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] int? RoundNumber,
    [property: Id(2)] LocalizedText Summary,
    [property: Id(3)] IReadOnlyList<FeedbackPoint> Points,
    [property: Id(4)] FeedbackFigures Figures,
    [property: Id(5)] AiProvenance Ai);

/// <summary>
/// One point of feedback. <see cref="Kind"/>: <c>agreement</c>, <c>movement</c>, <c>prevailing_view</c>,
/// <c>confidence</c>, <c>discussion</c> (from the transcript) or <c>facilitator</c> (written by the LLM).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.ai-feedback-point")]
public sealed record FeedbackPoint(
    [property: Id(0)] string Kind,
    [property: Id(1)] LocalizedText Text);

/// <summary>The rule-based figures behind feedback, always computed from the room's statistics.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.ai-feedback-figures")]
public sealed record FeedbackFigures(
    [property: Id(0)] int RoundsCovered,
    [property: Id(1)] IReadOnlyList<RoundFigures> Rounds,
    [property: Id(2)] IReadOnlyList<RoleFigures> Roles,
    [property: Id(3)] double? MeanConfidenceShift,
    [property: Id(4)] IReadOnlyList<int> PrevailingRoles,
    [property: Id(5)] TranscriptFigures? Transcript);

/// <summary>
/// One completed round. <see cref="Agreement"/>: <c>unanimous</c> (all three chose alike), <c>majority</c>
/// (two of three) or <c>split</c>. <see cref="MovedRoles"/>: roles whose own choice differs from the
/// consensus (they moved toward the group). <see cref="PrevailingRoles"/>: roles whose own choice became it.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.ai-round-figures")]
public sealed record RoundFigures(
    [property: Id(0)] int RoundNumber,
    [property: Id(1)] string Agreement,
    [property: Id(2)] bool? FollowedMajority,
    [property: Id(3)] IReadOnlyList<int> MovedRoles,
    [property: Id(4)] IReadOnlyList<int> PrevailingRoles,
    [property: Id(5)] double? ConfidenceShift,
    [property: Id(6)] int ConsensusChoice);

/// <summary>One role over the rounds covered: how often its own choice prevailed, how often it moved, how sure it was.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.ai-role-figures")]
public sealed record RoleFigures(
    [property: Id(0)] int RoleId,
    [property: Id(1)] string Role,
    [property: Id(2)] int RoundsPrevailed,
    [property: Id(3)] int RoundsMoved,
    [property: Id(4)] double? MeanConfidence);

/// <summary>What the offline rules read from a transcript: its size and, for lines written as <c>name: text</c>, the turns per speaker.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.ai-transcript-figures")]
public sealed record TranscriptFigures(
    [property: Id(0)] int Characters,
    [property: Id(1)] int Turns,
    [property: Id(2)] IReadOnlyList<SpeakerShare> Speakers);

[GenerateSerializer]
[Immutable]
[Alias("dilemma.ai-speaker-share")]
public sealed record SpeakerShare(
    [property: Id(0)] string Speaker,
    [property: Id(1)] int Turns,
    [property: Id(2)] double Share);
