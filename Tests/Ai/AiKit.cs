using System.Net;
using System.Text.Json;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;

namespace Dilemma.Tests.Ai;

/// <summary>The AI endpoints as a client calls them.</summary>
public static class AiKit
{
    public static Task<HttpResponseMessage> GenerateAsync(Player player, object body, CancellationToken cancellationToken, string lang = "en") =>
        player.PostAsync($"/ai/scenarios?lang={lang}", body, cancellationToken);

    public static async Task<JsonElement> GeneratedAsync(Player player, object body, CancellationToken cancellationToken, string lang = "en") =>
        await HttpAssert.OkAsync<JsonElement>(await GenerateAsync(player, body, cancellationToken, lang), HttpStatusCode.Created);

    public static Task<HttpResponseMessage> QuestionsAsync(Player player, string code, CancellationToken cancellationToken, string lang = "en") =>
        player.GetAsync($"/rooms/{code}/ai/questions?lang={lang}", cancellationToken);

    public static Task<HttpResponseMessage> FeedbackAsync(Player player, string code, object? body, CancellationToken cancellationToken, string lang = "en") =>
        player.PostAsync($"/rooms/{code}/ai/feedback?lang={lang}", body, cancellationToken);

    /// <summary>Three guests in a started room created on <paramref name="scenarioId"/>, with roles 1, 2, 3 in order.</summary>
    public static async Task<(Player[] Players, string Code, JsonElement Room)> StartedRoomOnAsync(HttpClient client, string scenarioId, CancellationToken cancellationToken)
    {
        var players = await RoomKit.GuestsAsync(client, 3, cancellationToken);
        var room = await HttpAssert.OkAsync<JsonElement>(
            await players[0].PostAsync("/rooms/private", new { title = "On a generated scenario", scenario_id = scenarioId }, cancellationToken),
            HttpStatusCode.Created);
        var code = RoomKit.Code(room);
        await RoomKit.JoinAsync(players[1], code, cancellationToken);
        await RoomKit.JoinAsync(players[2], code, cancellationToken);
        var assignments = players.Select((p, i) => new { user_id = p.UserId, role_id = i + 1 }).ToArray();
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/assign-roles/{code}", new { assignments }, cancellationToken));
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, cancellationToken));
        return (players, code, room);
    }

    public static bool HasHangul(string? text) => text is not null && text.Any(c => c is >= '\uAC00' and <= '\uD7A3');
}
