using System.Net;
using System.Security.Cryptography;
using Dilemma.LoadTest.Http;

namespace Dilemma.LoadTest.Scenarios;

/// <summary>A participant: the guest's user id and access token.</summary>
internal sealed record Seat(long UserId, string AccessToken);

/// <summary>A room with its three participants; <c>Seats[0]</c> is the host.</summary>
internal sealed record SeatedRoom(string Code, Seat[] Seats);

/// <summary>
/// Rooms prepared before a measurement, through the same API a client uses: three guests, a
/// private room, two joins, and (when asked) roles and start. None of it is recorded.
/// </summary>
internal static class RoomSetup
{
    /// <summary>The topic of every room: it has scenarios in the built-in bank, so no AI is involved.</summary>
    public const string Topic = "care-robot-monitoring";

    public static readonly byte[] EmptyObject = "{}"u8.ToArray();

    public static string NewRunId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <summary><paramref name="count"/> rooms of three, <paramref name="parallelism"/> rooms at a time; round 1 is open when <paramref name="start"/>.</summary>
    public static async Task<SeatedRoom[]> SeatAsync(GatewayClient client, int count, bool start, int parallelism, CancellationToken cancellationToken)
    {
        var runId = NewRunId();
        var rooms = new SeatedRoom[count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Min(count, parallelism), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, count), parallel, async (i, token) =>
        {
            rooms[i] = await SeatOneAsync(client, $"{runId}-{i}", start, token);
        });
        return rooms;
    }

    private static async Task<SeatedRoom> SeatOneAsync(GatewayClient client, string name, bool start, CancellationToken cancellationToken)
    {
        var seats = new Seat[3];
        for (var p = 0; p < seats.Length; p++)
        {
            // A guest id makes a retried set-up reuse the guest instead of leaving an orphan behind.
            var pair = await client.SetupCallAsync<TokenPair>(
                HttpMethod.Post, "auth/guest", null, GatewayClient.Body(new GuestRequest($"lt-{name}-{p}", $"lt{p}")), HttpStatusCode.OK, cancellationToken);
            seats[p] = new Seat(pair.UserId, pair.AccessToken);
        }

        var room = await client.SetupCallAsync<RoomCreated>(
            HttpMethod.Post, "rooms/private", seats[0].AccessToken, GatewayClient.Body(new CreateRoomRequest($"load {name}", Topic)), HttpStatusCode.Created, cancellationToken);
        for (var p = 1; p < seats.Length; p++)
        {
            await client.SetupCallAsync<System.Text.Json.JsonElement>(
                HttpMethod.Post, "rooms/join", seats[p].AccessToken, GatewayClient.Body(new JoinRequest(room.RoomCode, $"lt{p}")), HttpStatusCode.OK, cancellationToken);
        }

        if (start)
        {
            await client.SetupCallAsync<System.Text.Json.JsonElement>(
                HttpMethod.Post, $"rooms/assign-roles/{room.RoomCode}", seats[0].AccessToken, EmptyObject, HttpStatusCode.OK, cancellationToken);
            await client.SetupCallAsync<System.Text.Json.JsonElement>(
                HttpMethod.Post, $"rooms/{room.RoomCode}/start", seats[0].AccessToken, null, HttpStatusCode.OK, cancellationToken);
        }

        return new SeatedRoom(room.RoomCode, seats);
    }
}
