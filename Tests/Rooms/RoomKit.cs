using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;

namespace Dilemma.Tests.Rooms;

/// <summary>A player: a signed-in guest with their own authorized client calls.</summary>
public sealed record Player(HttpClient Client, TokenPair Tokens)
{
    public long UserId => Tokens.UserId;

    /// <summary>A POST as this player; <paramref name="idempotencyKey"/>, when given, is sent as the <c>Idempotency-Key</c> header.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, object? body, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        var request = AuthClient.Authorized(HttpMethod.Post, path, Tokens.AccessToken, body is null ? null : JsonContent.Create(body, options: HttpAssert.Json));
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        return Client.SendAsync(request, cancellationToken);
    }

    public Task<HttpResponseMessage> GetAsync(string path, CancellationToken cancellationToken) =>
        Client.SendAsync(AuthClient.Authorized(HttpMethod.Get, path, Tokens.AccessToken), cancellationToken);

    public Task<HttpResponseMessage> DeleteAsync(string path, CancellationToken cancellationToken) =>
        Client.SendAsync(AuthClient.Authorized(HttpMethod.Delete, path, Tokens.AccessToken), cancellationToken);
}

/// <summary>The steps of a game, as a client takes them, for tests that need a room in some state.</summary>
public static class RoomKit
{
    public const string Topic = "care-robot-monitoring";

    public static async Task<Player> GuestAsync(HttpClient client, CancellationToken cancellationToken, string? nickname = null) =>
        new(client, await client.GuestAsync(cancellationToken, nickname: nickname ?? "p" + Guid.NewGuid().ToString("N")[..6]));

    public static async Task<Player[]> GuestsAsync(HttpClient client, int count, CancellationToken cancellationToken) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(_ => GuestAsync(client, cancellationToken)));

    public static async Task<JsonElement> CreateRoomAsync(Player host, CancellationToken cancellationToken, bool isPublic = true, string topic = Topic, string? title = null, string? onDropout = null)
    {
        var response = await host.PostAsync(isPublic ? "/rooms/public" : "/rooms/private", new { title = title ?? "Room " + Guid.NewGuid().ToString("N")[..6], topic, on_dropout = onDropout }, cancellationToken);
        return await HttpAssert.OkAsync<JsonElement>(response, HttpStatusCode.Created);
    }

    public static string Code(JsonElement room) => room.GetProperty("room_code").GetString()!;

    public static async Task<JsonElement> JoinAsync(Player player, string code, CancellationToken cancellationToken) =>
        await HttpAssert.OkAsync<JsonElement>(await player.PostAsync("/rooms/join", new { room_code = code, nickname = "n" + player.UserId }, cancellationToken));

    /// <summary>Three guests (or two and <paramref name="third"/>) in a room with roles 1, 2, 3 in order: players[0] is the host.</summary>
    public static async Task<(Player[] Players, string Code)> SeatedRoomAsync(HttpClient client, CancellationToken cancellationToken, string topic = Topic, string? onDropout = null, Player? third = null)
    {
        var players = third is null ? await GuestsAsync(client, 3, cancellationToken) : [.. await GuestsAsync(client, 2, cancellationToken), third];
        var code = Code(await CreateRoomAsync(players[0], cancellationToken, topic: topic, onDropout: onDropout));
        await JoinAsync(players[1], code, cancellationToken);
        await JoinAsync(players[2], code, cancellationToken);
        var assignments = players.Select((p, i) => new { user_id = p.UserId, role_id = i + 1 }).ToArray();
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/assign-roles/{code}", new { assignments }, cancellationToken));
        return (players, code);
    }

    /// <summary>A seated room, started: round 1 is open. <paramref name="third"/> takes the third seat (a new guest when null).</summary>
    public static async Task<(Player[] Players, string Code)> StartedRoomAsync(HttpClient client, CancellationToken cancellationToken, string? onDropout = null, Player? third = null)
    {
        var (players, code) = await SeatedRoomAsync(client, cancellationToken, onDropout: onDropout, third: third);
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, cancellationToken));
        return (players, code);
    }

    public static Task<HttpResponseMessage> ChooseAsync(Player player, string code, int round, int choice, int confidence, CancellationToken cancellationToken, string? submissionId = null) =>
        player.PostAsync($"/rooms/{code}/round-choice", new { round_number = round, choice, confidence, submission_id = submissionId }, cancellationToken);

    public static Task<HttpResponseMessage> ConsensusAsync(Player player, string code, int round, int choice, int confidence, CancellationToken cancellationToken, string? submissionId = null) =>
        player.PostAsync($"/rooms/{code}/consensus-choice", new { round_number = round, choice, confidence, submission_id = submissionId }, cancellationToken);

    /// <summary>
    /// The room once its bots' choices of the open round are shown: a model slower than the room's turn answers after
    /// the call that opened the round has returned.
    /// </summary>
    public static async Task<JsonElement> WithBotChoicesAsync(Player player, string code, int bots, CancellationToken cancellationToken)
    {
        var room = default(JsonElement);
        await Infrastructure.Eventually.UntilAsync(
            async () =>
            {
                room = await HttpAssert.OkAsync<JsonElement>(await player.GetAsync($"/rooms/{code}", cancellationToken));
                return room.GetProperty("bot_choices").GetArrayLength() >= bots;
            },
            TimeSpan.FromSeconds(30),
            () => $"{bots} bot choices in room {code} (shown: {room.GetProperty("bot_choices").GetArrayLength()})",
            cancellationToken);
        return room;
    }

    /// <summary>Plays one round: everyone chooses (player i picks option i % 2), then the host records consensus 0.</summary>
    public static async Task PlayRoundAsync(Player[] players, string code, int round, CancellationToken cancellationToken)
    {
        for (var i = 0; i < players.Length; i++)
        {
            await HttpAssert.OkAsync<JsonElement>(await ChooseAsync(players[i], code, round, i % 2, 3 + (i % 3), cancellationToken), HttpStatusCode.Created);
        }

        await HttpAssert.OkAsync<JsonElement>(await ConsensusAsync(players[0], code, round, 0, 4, cancellationToken), HttpStatusCode.Created);
    }
}
