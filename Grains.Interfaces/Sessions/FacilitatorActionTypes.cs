namespace Dilemma.Grains.Interfaces.Sessions;

/// <summary>The facilitator actions, by the names they are audited under in <c>facilitator_actions.action</c>.</summary>
public static class FacilitatorActionKind
{
    public const string PauseRoom = "pause_room";
    public const string ResumeRoom = "resume_room";
    public const string ExtendDeadline = "extend_deadline";
    public const string EndRoom = "end_room";
    public const string RemoveParticipant = "remove_participant";
    public const string FillWithBot = "fill_with_bot";
    public const string PauseSession = "pause_session";
    public const string ResumeSession = "resume_session";
    public const string CloseSession = "close_session";
    public const string Broadcast = "broadcast";
    public const string MoveParticipant = "move_participant";

    public const int ReasonMaxLength = 500;

    public const int MaxExtensionSeconds = 3600;

    /// <summary>A broadcast is a line read at a glance on every screen: 1 to 280 characters after trimming.</summary>
    public const int MessageMaxLength = 280;
}

/// <summary>
/// One facilitator action asked for: what, on which room, by how many seconds, and why; and the request's
/// <c>Idempotency-Key</c>, when it carried one, by which a retry of it is known as the same action.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.facilitator-action")]
public sealed record FacilitatorAction(
    [property: Id(0)] string Kind,
    [property: Id(1)] string? RoomCode = null,
    [property: Id(2)] int? Seconds = null,
    [property: Id(3)] string? Reason = null,
    [property: Id(4)] long? UserId = null,
    [property: Id(5)] string? Message = null,
    [property: Id(6)] string? ToRoomCode = null,
    [property: Id(7)] string? IdempotencyKey = null);

/// <summary>
/// One audited action as stored. <see cref="OnceKey"/> names the action, when it can be named, so that it is recorded once
/// however often it is replayed: an end by its room (a room ends once), an action sent with an <c>Idempotency-Key</c> by a
/// digest of the actor, the key and the request, an unkeyed pause or resume of a room or move by a key drawn for it (the room
/// or the mover's enrolment keeps it, and a press that changes nothing is audited under it). Null for other actions without
/// a key: each is one more row.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.facilitator-action-entry")]
public sealed record FacilitatorActionEntry(
    [property: Id(0)] string SessionCode,
    [property: Id(1)] long ActorId,
    [property: Id(2)] string Action,
    [property: Id(3)] string? RoomCode,
    [property: Id(4)] long? UserId,
    [property: Id(5)] string? Reason,
    [property: Id(6)] DateTimeOffset OccurredAt,
    [property: Id(7)] string? Message = null,
    [property: Id(8)] string? ToRoomCode = null,
    [property: Id(9)] string? OnceKey = null);
