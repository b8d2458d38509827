namespace Dilemma.Grains.Interfaces.Realtime;

/// <summary>A participant in the voice session.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.voice-participant")]
public sealed record VoiceParticipant(
    [property: Id(0)] long UserId,
    [property: Id(1)] string Nickname,
    [property: Id(2)] int? RoleId,
    [property: Id(3)] bool IsMicOn,
    [property: Id(4)] bool IsSpeaking,
    [property: Id(5)] bool Connected);

/// <summary>The room's recording state.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.recording-state")]
public sealed record RecordingState(
    [property: Id(0)] bool IsRecording,
    [property: Id(1)] long? ChangedBy,
    [property: Id(2)] DateTimeOffset? ChangedAt);

/// <summary>What <c>init</c> answers.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.voice-session-state")]
public sealed record VoiceSessionState(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] IReadOnlyList<VoiceParticipant> Participants,
    [property: Id(2)] RecordingState Recording);

/// <summary>One participant's microphone state.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.voice-status")]
public sealed record VoiceStatus(
    [property: Id(0)] long UserId,
    [property: Id(1)] bool IsMicOn,
    [property: Id(2)] bool IsSpeaking,
    [property: Id(3)] DateTimeOffset At);
