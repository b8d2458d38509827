using Orleans.Concurrency;

namespace Dilemma.Grains.Interfaces.Realtime;

/// <summary>
/// One participant's signaling endpoint in one room, keyed <c>"{room_code}:{user_id}"</c>
/// (<see cref="KeyOf"/>). It knows which gateway connection holds the participant's socket and
/// numbers what the participant sends. It keeps nothing in storage: a socket outlives no process.
/// </summary>
public interface IPeerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers (or renews) the connection holding this peer's socket; a different connection
    /// replaces the old one, which is told to close. Call again periodically to stay registered.
    /// </summary>
    Task ConnectAsync(IPeerObserver observer, string connectionId);

    /// <summary>Forgets the connection, if it is still the current one.</summary>
    Task DisconnectAsync(string connectionId);

    /// <summary>Numbers a message from this peer and hands it to the addressee's peer grain.</summary>
    Task<SendResult> SendAsync(long toUserId, string type, string payloadField, string payloadJson);

    /// <summary>
    /// Passes a message to this peer's connection; false when none is registered. Interleaves,
    /// so two peers sending to each other at once cannot deadlock.
    /// </summary>
    [AlwaysInterleave]
    Task<bool> DeliverAsync(SignalEnvelope envelope);

    /// <summary>Passes a presence change to this peer's connection, if any.</summary>
    [OneWay]
    Task NotifyAsync(PeerEvent peerEvent);

    public static string KeyOf(string roomCode, long userId) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{roomCode}:{userId}");
}
