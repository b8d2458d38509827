namespace Dilemma.LoadTest.Http;

// Request and answer shapes of the game endpoints (../shared/spec/api.md, Rooms and Choices),
// serialized snake_case by GatewayClient.Body; only the fields a load test sends or reads.

public sealed record GuestRequest(string? GuestId, string Nickname);

public sealed record CreateRoomRequest(
    string Title,
    string Topic,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? OnDropout = null);

public sealed record JoinRequest(string RoomCode, string Nickname);

public sealed record ChoiceRequest(int RoundNumber, int Choice, int Confidence);

public sealed record RoomCreated(string RoomCode);

/// <summary>The part of a room snapshot a player waiting for a vanished one reads: each participant's presence.</summary>
public sealed record RoomPresence(IReadOnlyList<ParticipantPresence> Participants);

public sealed record ParticipantPresence(long UserId, string Presence);
