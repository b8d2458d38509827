namespace Dilemma.Grains.Interfaces.Realtime;

/// <summary>
/// A WebRTC message on its way from one peer to another. <see cref="From"/> is set by the server
/// from the sender's identity; <see cref="Payload"/> is the raw UTF-8 JSON of the one field the
/// message type carries (<c>sdp</c> or <c>candidate</c>), relayed untouched: bytes, so neither
/// end decodes or re-encodes it. Immutable (nobody writes to the array after creating it), so
/// Orleans passes it between grains of one process without a copy. <see cref="ArrivedAt"/> is
/// when the sender's gateway received it (UTC ticks, 0 when unknown), for the relay-latency
/// metric: a field rather than a request-context entry, which would cost a dictionary per
/// message and ride along (serialized) on every call the message causes.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.signal")]
public sealed record SignalEnvelope(
    [property: Id(0)] string Type,
    [property: Id(1)] long From,
    [property: Id(2)] string PayloadField,
    [property: Id(3)] byte[] Payload,
    [property: Id(4)] long ArrivedAt = 0);

/// <summary>
/// Another participant's signaling presence. <see cref="Polite"/> is from the receiver's side:
/// whether the receiver is the polite peer towards this one (perfect negotiation). The server
/// decides it from the user ids, so the two ends of a pair always disagree, and never glare.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.peer-presence")]
public sealed record PeerPresence(
    [property: Id(0)] long PeerId,
    [property: Id(1)] string Nickname,
    [property: Id(2)] int? RoleId,
    [property: Id(3)] bool Polite);

/// <summary>What happened to a peer: <c>peer_joined</c> or <c>peer_left</c>.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.peer-event")]
public sealed record PeerEvent(
    [property: Id(0)] string Type,
    [property: Id(1)] PeerPresence Peer);

/// <summary>Why a relayed message was not delivered, as the addressee's grain tells the sender's connection.</summary>
[GenerateSerializer]
public enum SendOutcome
{
    /// <summary>Handed to the addressee's connection (never reported: only refusals are).</summary>
    Delivered = 0,

    /// <summary>The addressee is seated but has no signaling socket open (<c>peer_not_connected</c>).</summary>
    NotConnected = 1,

    /// <summary>The addressee is not seated in this room (<c>peer_not_in_room</c>; the gateway refuses most of these before any grain call).</summary>
    NotInRoom = 2,

    /// <summary>The sender itself is no longer seated in the room; its socket is closed with 4003.</summary>
    SenderNotInRoom = 3,
}

/// <summary>
/// Who is seated in a room, as the room last said. <see cref="Version"/> is the room's version at
/// the time, so a peer grain keeps the newest list whatever order pushes arrive in.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.room-members")]
public sealed record RoomMembers(
    [property: Id(0)] IReadOnlyList<long> UserIds,
    [property: Id(1)] long Version)
{
    public bool Contains(long userId) => UserIds.Contains(userId);
}

/// <summary>The rule that decides who is polite: the peer with the larger user id yields.</summary>
public static class Politeness
{
    public static bool IsPolite(long self, long towards) => self > towards;
}
