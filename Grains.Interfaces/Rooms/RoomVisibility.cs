namespace Dilemma.Grains.Interfaces.Rooms;

/// <summary>
/// Who is looking at a room: their user id and the roles their access token carries. The room
/// grain decides what they may see (<see cref="IRoomGame.ViewAsync"/>); the edge only passes this on.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.room-viewer")]
public sealed record RoomViewer(
    [property: Id(0)] long UserId,
    [property: Id(1)] IReadOnlyList<string> Roles)
{
    /// <summary>Sees every room in full: the research role.</summary>
    public const string Researcher = "researcher";

    /// <summary>Sees in full the rooms of the sessions they facilitate.</summary>
    public const string Facilitator = "facilitator";

    /// <summary>A viewer with no role: a participant or a stranger, nothing more.</summary>
    public static RoomViewer User(long userId) => new(userId, []);

    public bool Has(string role) => Roles.Contains(role, StringComparer.Ordinal);
}

/// <summary>
/// A room as one viewer may see it: <see cref="Details"/> (the whole room and its scenario) for
/// those who belong, or only <see cref="Summary"/> (title, topic, seats taken, phase) of a public
/// room that is still waiting. Anyone else gets <c>room_not_found</c> instead, as for a code nobody opened.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.room-view")]
public sealed record RoomView(
    [property: Id(0)] RoomDetails? Details,
    [property: Id(1)] RoomListing? Summary);
