namespace Dilemma.Grains.Interfaces.Rooms;

/// <summary>Finding and opening rooms: codes, listings, quick join. Stateless; use key 0.</summary>
public interface IRoomLobbyGrain : IGrainWithIntegerKey
{
    /// <summary>Opens a room under a random unused code.</summary>
    Task<RoomSnapshot> CreateRoomAsync(RoomCreation creation, CancellationToken cancellationToken = default);

    /// <summary>Joins the fullest public waiting room with a free seat (of the topic, when given), or opens one.</summary>
    Task<RoomSnapshot> QuickJoinAsync(long userId, string? nickname, string? topic, CancellationToken cancellationToken = default);

    /// <summary>Public rooms in a phase, newest first.</summary>
    Task<RoomPage> ListRoomsAsync(RoomQuery query, CancellationToken cancellationToken = default);
}

[GenerateSerializer]
[Immutable]
[Alias("dilemma.room-query")]
public sealed record RoomQuery(
    [property: Id(0)] string? Topic,
    [property: Id(1)] RoomPhase Phase,
    [property: Id(2)] int Page,
    [property: Id(3)] int PageSize);

[GenerateSerializer]
[Immutable]
[Alias("dilemma.room-listing")]
public sealed record RoomListing(
    [property: Id(0)] string Code,
    [property: Id(1)] string Title,
    [property: Id(2)] string Topic,
    [property: Id(3)] int ParticipantCount,
    [property: Id(4)] RoomPhase Phase,
    [property: Id(5)] DateTimeOffset CreatedAt);

[GenerateSerializer]
[Immutable]
[Alias("dilemma.room-page")]
public sealed record RoomPage(
    [property: Id(0)] IReadOnlyList<RoomListing> Items,
    [property: Id(1)] int Page,
    [property: Id(2)] int PageSize,
    [property: Id(3)] long Total);
