using Orleans.Concurrency;

namespace Dilemma.Grains.Interfaces.Realtime;

/// <summary>
/// One participant's signaling endpoint in one room, keyed <c>"{room_code}:{user_id}"</c>
/// (<see cref="KeyOf"/>). It knows which gateway connection holds the participant's socket,
/// numbers what the participant sends, and relays only between people seated in the room: it
/// holds the room's member list, which the room hands over when the peer registers and pushes
/// whenever someone joins or leaves. It keeps nothing in storage: a socket outlives no process.
/// </summary>
public interface IPeerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers a new connection holding this peer's socket, after the room confirms the peer
    /// is seated (<c>not_participant</c>, 403, otherwise); a different connection registered
    /// before is told to close (it was replaced).
    /// </summary>
    Task ConnectAsync(IPeerObserver observer, string connectionId);

    /// <summary>
    /// Renews a connection's registration (what survives a silo restart) and the member list;
    /// false when a newer connection of the same peer has replaced it. <c>not_participant</c>
    /// when the peer is no longer seated.
    /// </summary>
    Task<bool> RenewAsync(IPeerObserver observer, string connectionId);

    /// <summary>Forgets the connection, if it is still the current one.</summary>
    Task DisconnectAsync(string connectionId);

    /// <summary>
    /// Numbers a message from this peer and hands it to the addressee's peer grain, when both
    /// are seated in the room. An addressee outside the room is refused here, so no grain is
    /// ever activated for it.
    /// </summary>
    Task<SendResult> SendAsync(long toUserId, string type, string payloadField, string payloadJson);

    /// <summary>
    /// Passes a message to this peer's connection, if it has one and the sender is seated in
    /// the room as far as this peer knows. Interleaves, so two peers sending to each other at
    /// once cannot deadlock.
    /// </summary>
    [AlwaysInterleave]
    Task<SendOutcome> DeliverAsync(SignalEnvelope envelope);

    /// <summary>Passes a presence change to this peer's connection, if any.</summary>
    [OneWay]
    Task NotifyAsync(PeerEvent peerEvent);

    /// <summary>The room's seats changed: from now on only these are relayed to and from.</summary>
    [OneWay]
    Task UpdateMembersAsync(RoomMembers members);

    /// <summary>
    /// The peer left the room (or was removed, or the room ended): its connection is told to
    /// close and nothing more is relayed to or from it. Pushed by the room, one-way.
    /// </summary>
    [OneWay]
    Task EvictAsync(long roomVersion);

    public static string KeyOf(string roomCode, long userId) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{roomCode}:{userId}");
}
