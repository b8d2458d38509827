using System.Net.Http.Json;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Rooms;

namespace Dilemma.Tests.Realtime;

/// <summary>Sockets for players of a room.</summary>
public static class RealtimeKit
{
    public static Task<SocketClient> SignalingAsync(Uri gateway, Player player, string code, CancellationToken cancellationToken) =>
        SocketClient.ConnectAsync(gateway, $"/ws/signaling?room_code={code}&token={player.Tokens.AccessToken}", cancellationToken);

    public static Task<SocketClient> VoiceAsync(Uri gateway, Player player, string code, CancellationToken cancellationToken) =>
        SocketClient.ConnectAsync(gateway, $"/ws/voice/{code}?token={player.Tokens.AccessToken}", cancellationToken);

    /// <summary>Connects and joins; returns the socket and the <c>peers</c> answer.</summary>
    public static async Task<(SocketClient Socket, System.Text.Json.JsonElement Peers)> JoinAsync(Uri gateway, Player player, string code, CancellationToken cancellationToken)
    {
        var socket = await SignalingAsync(gateway, player, code, cancellationToken);
        await socket.SendAsync(new { type = "join" }, cancellationToken);
        return (socket, await socket.NextAsync("peers", cancellationToken));
    }

    /// <summary>Gives the player's voice consent, without which they may not start or stop a recording.</summary>
    public static async Task GiveVoiceConsentAsync(Player player, CancellationToken cancellationToken)
    {
        var response = await player.Client.SendAsync(
            AuthClient.Authorized(HttpMethod.Patch, "/auth/me/consent", player.Tokens.AccessToken, JsonContent.Create(new { voice_consent = true })),
            cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
