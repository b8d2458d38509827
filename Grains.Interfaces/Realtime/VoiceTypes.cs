using Dilemma.Grains.Interfaces.Rooms;

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

/// <summary>
/// A gateway connection that holds a voice-session socket of a room. One-way: the room never
/// waits on a socket.
/// </summary>
public interface IRoomObserver : IGrainObserver
{
    /// <summary>Any change of the room's state; individual choices are not in it.</summary>
    void OnRoomUpdated(RoomSnapshot room);

    void OnVoiceStatus(VoiceStatus status);

    void OnRecording(RecordingState recording);

    /// <summary>A participant's voice connection came or went.</summary>
    void OnPresence(long userId, bool connected);

    /// <summary>The same user opened a newer voice socket for this room; this connection should close.</summary>
    void OnReplaced();

    /// <summary>The user left the room, was removed, or the room ended; this connection should close.</summary>
    void OnNoLongerParticipant();
}
