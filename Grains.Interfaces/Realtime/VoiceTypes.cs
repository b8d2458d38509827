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
/// One participant's summary of one voice link over a round (<c>link_quality</c> on the voice socket), as its
/// browser measured it with <c>getStats()</c>; a measure is null when the browser had none.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.link-quality")]
public sealed record LinkQuality(
    [property: Id(0)] long PeerUserId,
    [property: Id(1)] string ConnectionState,
    [property: Id(2)] bool Relayed,
    [property: Id(3)] double? RoundTripMs,
    [property: Id(4)] double? JitterMs,
    [property: Id(5)] long? PacketsReceived,
    [property: Id(6)] long? PacketsLost);

/// <summary>The shape rules of a <c>link_quality</c> report, shared by the edge (which checks them) and the room (which stores it).</summary>
public static class LinkQualityRules
{
    /// <summary>A participant has a link to each of the others.</summary>
    public const int MaxLinks = Rooms.RoomRules.Capacity - 1;

    /// <summary>The longest round-trip time or jitter taken, in milliseconds: an hour; anything above is not a measure.</summary>
    public const double MaxMilliseconds = 3_600_000;

    /// <summary>The words of <c>RTCPeerConnection.connectionState</c> (the <c>connection_quality.connection_state</c> column, VARCHAR(16)).</summary>
    public static readonly IReadOnlyList<string> ConnectionStates = ["new", "connecting", "connected", "disconnected", "failed", "closed"];
}
