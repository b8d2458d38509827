using Dilemma.Grains.Interfaces.Realtime;

namespace Dilemma.Grains.Interfaces.Rooms;

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

    /// <summary>
    /// A participant's game presence changed: <c>participant_reconnecting</c> (their last socket
    /// closed), <c>participant_returned</c> or <c>participant_dropped</c>; <paramref name="at"/> is the server's time.
    /// Also <c>deadline_extended</c>: the session's facilitator (<paramref name="userId"/>) gave the running round more time.
    /// </summary>
    void OnParticipantEvent(string type, long userId, DateTimeOffset at);

    /// <summary>The session's facilitator broadcast a short message to every room of the session; <paramref name="at"/> is the server's time.</summary>
    void OnFacilitatorMessage(string message, DateTimeOffset at);

    /// <summary>The same user opened a newer voice socket for this room; this connection should close.</summary>
    void OnReplaced();

    /// <summary>The user left the room, was removed, or the room ended; this connection should close.</summary>
    void OnNoLongerParticipant();
}
