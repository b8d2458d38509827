namespace Dilemma.Grains.Interfaces.Rooms;

/// <summary>
/// One user's room openings under an <c>Idempotency-Key</c>, keyed by user id. The room code is
/// drawn here and kept with the key before the room is asked to open, so a retry goes to the same
/// room and is answered there from what it kept: a retried creation leaves exactly one room.
/// </summary>
public interface IRoomCreationGrain : IGrainWithIntegerKey
{
    /// <summary>Opens a room once per key; the same key with another request is <c>idempotency_key_reused</c> (422).</summary>
    Task<RoomSnapshot> CreateRoomAsync(RoomCreation creation, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Quick join (see <see cref="IRoomLobbyGrain.QuickJoinAsync"/>) once per key.</summary>
    Task<RoomSnapshot> QuickJoinAsync(string? nickname, string? topic, string idempotencyKey, CancellationToken cancellationToken = default);
}
