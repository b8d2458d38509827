namespace Dilemma.LoadTest.Http;

// Request and answer shapes of the game endpoints (../shared/spec/api.md, Rooms and Choices),
// serialized snake_case by GatewayClient.Body; only the fields a load test sends or reads.

public sealed record GuestRequest(string? GuestId, string Nickname);

public sealed record CreateRoomRequest(string Title, string Topic);

public sealed record JoinRequest(string RoomCode, string Nickname);

public sealed record ChoiceRequest(int RoundNumber, int Choice, int Confidence);

public sealed record RoomCreated(string RoomCode);
