using Dilemma.Grains.Interfaces.Scenarios;

namespace Dilemma.Grains.Interfaces.Rooms;

/// <summary>A room's life: it waits for players, is played, and ends after round 5.</summary>
[GenerateSerializer]
public enum RoomPhase
{
    Waiting = 0,
    Started = 1,
    Finished = 2,
}

/// <summary>
/// What a new room is made of; the creator joins it as host. The room plays the scenario named by
/// <see cref="ScenarioId"/> when one is given (a generated scenario carries its own topic, and
/// <see cref="Topic"/>, when not empty, must match it), else the topic's scenario.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.room-creation")]
public sealed record RoomCreation(
    [property: Id(0)] string Title,
    [property: Id(1)] string Topic,
    [property: Id(2)] bool IsPublic,
    [property: Id(3)] long CreatorId,
    [property: Id(4)] string? Nickname,
    [property: Id(5)] string? ScenarioId = null,
    [property: Id(6)] string? OnDropout = null,
    [property: Id(7)] int? ChoiceSeconds = null,
    [property: Id(8)] int? ConsensusSeconds = null);

/// <summary>A participant as every member of the room may see them.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.participant-view")]
public sealed record ParticipantView(
    [property: Id(0)] long UserId,
    [property: Id(1)] string Nickname,
    [property: Id(2)] int? RoleId,
    [property: Id(3)] bool IsHost,
    [property: Id(4)] DateTimeOffset JoinedAt,
    [property: Id(5)] string Presence,
    [property: Id(6)] bool IsBot = false);

/// <summary>
/// A room's state as its members may see it. The current round's choices are not in it, only
/// who has chosen: nobody learns another's individual choice before the consensus.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.room-snapshot")]
public sealed record RoomSnapshot(
    [property: Id(0)] string Code,
    [property: Id(1)] string Title,
    [property: Id(2)] string Topic,
    [property: Id(3)] bool IsPublic,
    [property: Id(4)] RoomPhase Phase,
    [property: Id(5)] long HostUserId,
    [property: Id(6)] int CurrentRound,
    [property: Id(7)] IReadOnlyList<ParticipantView> Participants,
    [property: Id(8)] IReadOnlyList<long> ChosenThisRound,
    [property: Id(9)] IReadOnlyList<ConsensusView> Consensus,
    [property: Id(10)] string ScenarioId,
    [property: Id(11)] DateTimeOffset CreatedAt,
    [property: Id(12)] DateTimeOffset? StartedAt,
    [property: Id(13)] DateTimeOffset? FinishedAt,
    [property: Id(14)] int Version,
    [property: Id(15)] string OnDropout,
    [property: Id(16)] bool Paused,
    [property: Id(17)] DateTimeOffset? EndedEarlyAt,
    [property: Id(18)] long? EndedEarlyBy,
    [property: Id(19)] int? ChoiceSeconds,
    [property: Id(20)] int? ConsensusSeconds,
    [property: Id(21)] string? DeadlineKind,
    [property: Id(22)] DateTimeOffset? DeadlineAt,
    [property: Id(23)] IReadOnlyList<BotChoiceView>? BotChoices = null,
    [property: Id(24)] IReadOnlyList<VoiceLinkView>? Links = null,
    [property: Id(25)] long MonitorSequence = 0,
    [property: Id(26)] bool FacilitatorPaused = false,
    [property: Id(27)] DateTimeOffset? PausedAt = null,
    [property: Id(28)] string? SessionCode = null,
    [property: Id(29)] IReadOnlyList<long>? Connected = null,
    [property: Id(30)] bool ChoicesClosed = false);

/// <summary>
/// One WebRTC link of the room as its sender's browser last reported it (<c>link_state</c> on the voice socket).
/// Only the session monitor's snapshots carry them; the room keeps them in memory, never in its stored state.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.voice-link-view")]
public sealed record VoiceLinkView(
    [property: Id(0)] long UserId,
    [property: Id(1)] long PeerUserId,
    [property: Id(2)] string State,
    [property: Id(3)] bool Relayed);

/// <summary>The states of a link, as <c>RTCPeerConnection.connectionState</c> names them.</summary>
public static class VoiceLinkStates
{
    public static IReadOnlyList<string> All { get; } = ["new", "connecting", "connected", "disconnected", "failed", "closed"];

    public static bool IsKnown(string? state) => state is not null && All.Contains(state, StringComparer.Ordinal);
}

/// <summary>
/// A bot's choice, shown to everyone in the room (a person's choice never is): what it chose, the
/// one sentence a model gave for it, and where it came from — <c>openai</c>, or <c>offline</c> (the
/// seeded rule) with <see cref="FallbackReason"/> when a configured model failed.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.bot-choice-view")]
public sealed record BotChoiceView(
    [property: Id(0)] int RoundNumber,
    [property: Id(1)] long UserId,
    [property: Id(2)] int Choice,
    [property: Id(3)] int Confidence,
    [property: Id(4)] string? Reason,
    [property: Id(5)] string Provider,
    [property: Id(6)] string? FallbackReason);

/// <summary>A round's consensus once it is recorded.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.consensus-view")]
public sealed record ConsensusView(
    [property: Id(0)] int RoundNumber,
    [property: Id(1)] int Choice,
    [property: Id(2)] int Confidence,
    [property: Id(3)] long SubmittedBy,
    [property: Id(4)] DateTimeOffset RecordedAt);

/// <summary>A room with the scenario it was created on.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.room-details")]
public sealed record RoomDetails(
    [property: Id(0)] RoomSnapshot Room,
    [property: Id(1)] Scenario Scenario);

/// <summary>One role for one participant.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.role-assignment")]
public sealed record RoleAssignment(
    [property: Id(0)] long UserId,
    [property: Id(1)] int RoleId);

/// <summary>
/// An individual choice; <see cref="SubmissionId"/> makes a retry harmless. <see cref="Language"/> is the language the
/// page showed the round in when it was sent (see <see cref="PageLanguage"/>; null when the client did not say).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.choice-submission")]
public sealed record ChoiceSubmission(
    [property: Id(0)] int RoundNumber,
    [property: Id(1)] int Choice,
    [property: Id(2)] int Confidence,
    [property: Id(3)] string? SubmissionId,
    [property: Id(4)] string? Language = null);

/// <summary>What was recorded for a choice or a consensus.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.submission-receipt")]
public sealed record SubmissionReceipt(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] long UserId,
    [property: Id(2)] int RoundNumber,
    [property: Id(3)] int Choice,
    [property: Id(4)] int Confidence,
    [property: Id(5)] int Revision,
    [property: Id(6)] DateTimeOffset RecordedAt,
    [property: Id(7)] RoomPhase Phase,
    [property: Id(8)] int CurrentRound,
    [property: Id(9)] string? SubmissionId,
    [property: Id(10)] bool Replayed);
