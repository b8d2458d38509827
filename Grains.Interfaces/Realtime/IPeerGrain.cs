using Orleans.Concurrency;

namespace Dilemma.Grains.Interfaces.Realtime;

/// <summary>
/// One participant's signaling endpoint in one room, keyed <c>"{room_code}:{user_id}"</c>
/// (<see cref="KeyOf"/>). It knows which gateway connection holds the participant's socket,
/// numbers what reaches the participant per sender, and relays only between people seated in the
/// room: it holds the room's member list, which the room hands over when the peer registers and
/// pushes whenever someone joins or leaves. The sender's gateway calls the addressee's grain
/// directly (one grain hop per message, one-way); it holds the sender's copy of the member list, so a
/// message to someone not seated never activates a grain. It keeps nothing in storage: a socket
/// outlives no process.
/// </summary>
public interface IPeerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers a new connection holding this peer's socket, after the room confirms the peer
    /// is seated (<c>not_participant</c>, 403, otherwise); a different connection registered
    /// before is told to close (it was replaced). Answers who is seated, which the connection
    /// keeps (and is pushed, <see cref="IPeerObserver.OnMembers"/>) to address messages.
    /// </summary>
    Task<RoomMembers> ConnectAsync(IPeerObserver observer, string connectionId);

    /// <summary>
    /// Renews a connection's registration (what survives a silo restart) and answers the member
    /// list (repairing a lost push); null when a newer connection of the same peer has replaced
    /// it. <c>not_participant</c> when the peer is no longer seated.
    /// </summary>
    Task<RoomMembers?> RenewAsync(IPeerObserver observer, string connectionId);

    /// <summary>Forgets the connection, if it is still the current one.</summary>
    Task DisconnectAsync(string connectionId);

    /// <summary>
    /// A message for this peer from <see cref="SignalEnvelope.From"/>, called by the sender's
    /// gateway: numbered per sender and passed to this peer's connection, when both are seated
    /// in the room (a sender this peer's list lacks is checked with the room once more before
    /// being refused) and this peer has a connection. One-way: the relay's busiest call carries
    /// no answer; a refusal goes back through the sender's own grain (<see cref="RefusedAsync"/>),
    /// one-way too, so peers sending to each other at once cannot deadlock. A message lost on
    /// the way shows as a gap in the addressee's <c>seq</c>.
    /// </summary>
    [OneWay]
    Task DeliverAsync(SignalEnvelope envelope);

    /// <summary>
    /// The grain of <paramref name="addressee"/> refused a message this peer sent it; passed to
    /// this peer's connection, if any, which tells the client (and closes on
    /// <see cref="SendOutcome.SenderNotInRoom"/>).
    /// </summary>
    [OneWay]
    Task RefusedAsync(long addressee, SendOutcome outcome);

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
