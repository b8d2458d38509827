namespace Dilemma.Grains.Interfaces.Rooms;

/// <summary>What a room is asked to do once per idempotency key (see <see cref="IRoomGame.RunOnceAsync"/>).</summary>
public enum RoomCommandKind
{
    Create,
    Join,
    QuickJoin,
    Leave,
    AssignRoles,
    Start,
    HandHost,
    RemoveParticipant,
    EndEarly,
    AddBots,
}

/// <summary>
/// One state-changing room request, as data: with an idempotency key the room runs it once and
/// keeps its answer, so the same request again is answered from what was kept.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.room-command")]
public sealed record RoomCommand(
    [property: Id(0)] RoomCommandKind Kind,
    [property: Id(1)] long UserId,
    [property: Id(2)] string? Nickname = null,
    [property: Id(3)] IReadOnlyList<RoleAssignment>? Assignments = null,
    [property: Id(4)] RoomCreation? Creation = null,
    [property: Id(5)] long? TargetUserId = null,
    [property: Id(6)] int? Count = null);

/// <summary>The <c>Idempotency-Key</c> request header's rule, shared by the gateway (which checks it) and the grains (which keep it).</summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";

    public const int MaxLength = 128;

    /// <summary>Answers kept per room, oldest dropped first: far more than a room's own creation, joins, leaves, roles and start.</summary>
    public const int KeptPerRoom = 32;

    /// <summary>Room creations and quick joins kept per user, oldest dropped first.</summary>
    public const int KeptPerUser = 50;

    /// <summary>1 to 128 printable ASCII characters (space to tilde).</summary>
    public static bool IsValid(string key) =>
        key.Length is > 0 and <= MaxLength && key.All(c => c is >= ' ' and <= '~');
}
