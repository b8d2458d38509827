namespace Dilemma.Grains.Interfaces.Realtime;

/// <summary>
/// The gateway connection that holds one peer's signaling socket. Calls are one-way: a grain
/// never waits on a socket.
/// </summary>
public interface IPeerObserver : IGrainObserver
{
    /// <summary>A message from another peer; <paramref name="seq"/> counts the sender's messages to this peer.</summary>
    void OnSignal(SignalEnvelope envelope, long seq);

    /// <summary>A message this peer sent to <paramref name="addressee"/> was not delivered, for <paramref name="outcome"/>.</summary>
    void OnRefused(long addressee, SendOutcome outcome);

    /// <summary>Who is seated now, so the connection addresses only them; older versions are ignored.</summary>
    void OnMembers(RoomMembers members);

    void OnPeerEvent(PeerEvent peerEvent);

    /// <summary>The same user connected again elsewhere; this connection should close.</summary>
    void OnReplaced(string byConnectionId);

    /// <summary>The user left the room, was removed, or the room ended; this connection should close.</summary>
    void OnNoLongerParticipant();
}
