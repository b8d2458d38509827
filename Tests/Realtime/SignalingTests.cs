using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Realtime;

/// <summary>The signaling socket against real Kestrel with real WebSocket clients.</summary>
public sealed class SignalingTests(KestrelGatewayFixture gateway) : IClassFixture<KestrelGatewayFixture>
{
    // Within the default burst allowance (Realtime:MessageBurst), as a real ICE gathering is.
    private const int Candidates = 150;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Three_peers_join_see_each_other_and_never_both_polite()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);

        var (a, aPeers) = await RealtimeKit.JoinAsync(gateway.Address, players[0], code, Ct);
        await using var _a = a;
        Assert.Empty(aPeers.GetProperty("peers").EnumerateArray());

        var (b, bPeers) = await RealtimeKit.JoinAsync(gateway.Address, players[1], code, Ct);
        await using var _b = b;
        var aSeesB = await a.NextAsync("peer_joined", Ct);
        var bSeesA = Assert.Single(bPeers.GetProperty("peers").EnumerateArray());
        Assert.Equal(players[1].UserId, aSeesB.GetProperty("peer_id").GetInt64());
        Assert.Equal(players[0].UserId, bSeesA.GetProperty("peer_id").GetInt64());
        Assert.NotEqual(aSeesB.GetProperty("polite").GetBoolean(), bSeesA.GetProperty("polite").GetBoolean());
        Assert.Equal(1, bSeesA.GetProperty("role_id").GetInt32());

        var (c, cPeers) = await RealtimeKit.JoinAsync(gateway.Address, players[2], code, Ct);
        await using var _c = c;
        Assert.Equal(
            new[] { players[0].UserId, players[1].UserId }.Order(),
            cPeers.GetProperty("peers").EnumerateArray().Select(p => p.GetProperty("peer_id").GetInt64()).Order());
        var aSeesC = await a.NextAsync("peer_joined", Ct);
        var bSeesC = await b.NextAsync("peer_joined", Ct);
        foreach (var (other, seenByC) in new[] { (aSeesC, players[0]), (bSeesC, players[1]) })
        {
            var cTowards = cPeers.GetProperty("peers").EnumerateArray().Single(p => p.GetProperty("peer_id").GetInt64() == seenByC.UserId);
            Assert.NotEqual(other.GetProperty("polite").GetBoolean(), cTowards.GetProperty("polite").GetBoolean());
        }
    }

    [Fact]
    public async Task Offer_answer_and_candidates_reach_only_the_addressee_in_order_with_the_senders_id()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var (a, _) = await RealtimeKit.JoinAsync(gateway.Address, players[0], code, Ct);
        var (b, _) = await RealtimeKit.JoinAsync(gateway.Address, players[1], code, Ct);
        var (c, _) = await RealtimeKit.JoinAsync(gateway.Address, players[2], code, Ct);
        await using var _a = a;
        await using var _b = b;
        await using var _c = c;

        await a.SendAsync(new { type = "offer", to = players[1].UserId, sdp = new { type = "offer", sdp = "v=0 offer-from-a" } }, Ct);
        for (var i = 0; i < Candidates; i++)
        {
            await a.SendAsync(new { type = "candidate", to = players[1].UserId, candidate = new { candidate = $"candidate:{i}", sdpMid = "0", sdpMLineIndex = 0 } }, Ct);
        }

        await b.SendAsync(new { type = "answer", to = players[0].UserId, sdp = new { type = "answer", sdp = "v=0 answer-from-b" } }, Ct);

        var offer = await b.NextAsync("offer", Ct);
        Assert.Equal(players[0].UserId, offer.GetProperty("from").GetInt64());
        Assert.Equal("v=0 offer-from-a", offer.GetProperty("sdp").GetProperty("sdp").GetString());
        Assert.Equal(1, offer.GetProperty("seq").GetInt64());
        Assert.False(offer.TryGetProperty("to", out _));
        for (var i = 0; i < Candidates; i++)
        {
            var candidate = await b.NextAsync(m => m.GetProperty("type").GetString() is "candidate" or "offer" or "answer", "a relayed message", Ct);
            Assert.Equal("candidate", candidate.GetProperty("type").GetString());
            Assert.Equal($"candidate:{i}", candidate.GetProperty("candidate").GetProperty("candidate").GetString());
            Assert.Equal(i + 2, candidate.GetProperty("seq").GetInt64());
            Assert.Equal(players[0].UserId, candidate.GetProperty("from").GetInt64());
        }

        var answer = await a.NextAsync("answer", Ct);
        Assert.Equal(players[1].UserId, answer.GetProperty("from").GetInt64());

        // A marker sent to C after everything else: the first relayed message C sees must be it.
        await a.SendAsync(new { type = "candidate", to = players[2].UserId, candidate = new { candidate = "for-c" } }, Ct);
        var first = await c.NextAsync(m => m.GetProperty("type").GetString() is "candidate" or "offer" or "answer", "a relayed message", Ct);
        Assert.Equal("for-c", first.GetProperty("candidate").GetProperty("candidate").GetString());
    }

    [Fact]
    public async Task In_embedded_mode_open_sockets_are_reachable_in_process_and_forgotten_once_closed()
    {
        var connections = gateway.Services.GetRequiredService<LocalPeerConnections>();
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var (a, _) = await RealtimeKit.JoinAsync(gateway.Address, players[0], code, Ct);
        var (b, _) = await RealtimeKit.JoinAsync(gateway.Address, players[1], code, Ct);
        Assert.True(connections.Count >= 2, $"{connections.Count} sockets registered with two open");

        await a.SendAsync(new { type = "offer", to = players[1].UserId, sdp = "direct" }, Ct);
        var offer = await b.NextAsync("offer", Ct);
        Assert.Equal(players[0].UserId, offer.GetProperty("from").GetInt64());

        await a.DisposeAsync();
        await b.DisposeAsync();
        await Eventually.UntilAsync(() => Task.FromResult(connections.Count == 0), TimeSpan.FromSeconds(10), () => $"no socket registered ({connections.Count} still are)", Ct);
    }

    [Fact]
    public async Task The_payload_is_relayed_byte_for_byte_whatever_the_order_spacing_or_escapes_of_the_message()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var (a, _) = await RealtimeKit.JoinAsync(gateway.Address, players[0], code, Ct);
        var (b, _) = await RealtimeKit.JoinAsync(gateway.Address, players[1], code, Ct);
        await using var _a = a;
        await using var _b = b;

        // The payload first, "to" as a string of digits under an escaped name, the type last.
        const string Sdp = "{ \"type\" : \"offer\",\n  \"sdp\":\"v=0\\r\\n\\u00e9 \u00e9\" }";
        await a.SendRawAsync($"{{\"sdp\": {Sdp} , \"t\\u006f\":\"{players[1].UserId}\", \"type\":\"offer\"}}", Ct);

        var offer = await b.NextAsync("offer", Ct);
        Assert.Equal(Sdp, offer.GetProperty("sdp").GetRawText());
        Assert.Equal(players[0].UserId, offer.GetProperty("from").GetInt64());
    }

    [Fact]
    public async Task A_forged_from_is_overwritten_with_the_senders_identity()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var (a, _) = await RealtimeKit.JoinAsync(gateway.Address, players[0], code, Ct);
        var (b, _) = await RealtimeKit.JoinAsync(gateway.Address, players[1], code, Ct);
        await using var _a = a;
        await using var _b = b;

        await a.SendAsync(new { type = "offer", to = players[1].UserId, from = players[2].UserId, sdp = "forged" }, Ct);

        var offer = await b.NextAsync("offer", Ct);
        Assert.Equal(players[0].UserId, offer.GetProperty("from").GetInt64());
    }

    [Fact]
    public async Task A_message_to_a_peer_of_another_room_is_refused_and_never_delivered()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var (others, otherCode) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var (a, _) = await RealtimeKit.JoinAsync(gateway.Address, players[0], code, Ct);
        var (d, _) = await RealtimeKit.JoinAsync(gateway.Address, others[0], otherCode, Ct);
        var (e, _) = await RealtimeKit.JoinAsync(gateway.Address, others[1], otherCode, Ct);
        await using var _a = a;
        await using var _d = d;
        await using var _e = e;

        await a.SendAsync(new { type = "offer", to = others[0].UserId, sdp = "across rooms" }, Ct);

        var error = await a.NextAsync("error", Ct);
        Assert.Equal("peer_not_in_room", error.GetProperty("code").GetString());
        await e.SendAsync(new { type = "offer", to = others[0].UserId, sdp = "same room" }, Ct);
        var first = await d.NextAsync("offer", Ct);
        Assert.Equal("same room", first.GetProperty("sdp").GetString());
    }

    [Fact]
    public async Task Bad_tokens_non_participants_and_unknown_rooms_are_refused_before_the_upgrade()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var stranger = await RoomKit.GuestAsync(gateway.Client, Ct);
        var unknownRoom = (int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000;

        Assert.Equal(HttpStatusCode.Unauthorized, await SocketClient.RefusalAsync(gateway.Address, $"/ws/signaling?room_code={code}", Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, await SocketClient.RefusalAsync(gateway.Address, $"/ws/signaling?room_code={code}&token=not.a.token", Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, await SocketClient.RefusalAsync(gateway.Address, $"/ws/signaling?room_code={code}&token={players[0].Tokens.AccessToken}x", Ct));
        Assert.Equal(HttpStatusCode.Forbidden, await SocketClient.RefusalAsync(gateway.Address, $"/ws/signaling?room_code={code}&token={stranger.Tokens.AccessToken}", Ct));
        Assert.Equal(HttpStatusCode.BadRequest, await SocketClient.RefusalAsync(gateway.Address, $"/ws/signaling?room_code=12ab&token={players[0].Tokens.AccessToken}", Ct));
        Assert.Equal(HttpStatusCode.Forbidden, await SocketClient.RefusalAsync(gateway.Address, $"/ws/voice/{code}?token={stranger.Tokens.AccessToken}", Ct));
        var missing = await SocketClient.RefusalAsync(gateway.Address, $"/ws/signaling?room_code={unknownRoom:D6}&token={players[0].Tokens.AccessToken}", Ct);
        Assert.Contains(missing, new[] { HttpStatusCode.NotFound, HttpStatusCode.Forbidden });
    }

    [Fact]
    public async Task A_stranger_cannot_tell_a_private_or_started_room_from_an_unknown_code_at_the_upgrade()
    {
        // As GET /rooms/{code}: only a public waiting room admits to existing (403); anything else is 404.
        var (_, started) = await RoomKit.StartedRoomAsync(gateway.Client, Ct);
        var host = await RoomKit.GuestAsync(gateway.Client, Ct);
        var hidden = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct, isPublic: false));
        var stranger = await RoomKit.GuestAsync(gateway.Client, Ct);

        foreach (var code in new[] { started, hidden })
        {
            Assert.Equal(HttpStatusCode.NotFound, await SocketClient.RefusalAsync(gateway.Address, $"/ws/signaling?room_code={code}&token={stranger.Tokens.AccessToken}", Ct));
            Assert.Equal(HttpStatusCode.NotFound, await SocketClient.RefusalAsync(gateway.Address, $"/ws/voice/{code}?token={stranger.Tokens.AccessToken}", Ct));
        }
    }

    [Fact]
    public async Task A_ticket_opens_one_socket_once()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var response = await players[0].PostAsync("/auth/ws-ticket", null, Ct);
        var ticket = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("ticket").GetString();

        await using var socket = await SocketClient.ConnectAsync(gateway.Address, $"/ws/signaling?room_code={code}&ticket={ticket}", Ct);
        await socket.SendAsync(new { type = "join" }, Ct);
        await socket.NextAsync("peers", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, await SocketClient.RefusalAsync(gateway.Address, $"/ws/signaling?room_code={code}&ticket={ticket}", Ct));
    }

    [Fact]
    public async Task Reconnecting_replaces_the_old_socket_and_the_others_see_peer_joined_again()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var (a, _) = await RealtimeKit.JoinAsync(gateway.Address, players[0], code, Ct);
        var (old, _) = await RealtimeKit.JoinAsync(gateway.Address, players[1], code, Ct);
        await using var _a = a;
        await using var _old = old;
        await a.NextAsync("peer_joined", Ct);

        var (fresh, _) = await RealtimeKit.JoinAsync(gateway.Address, players[1], code, Ct);
        await using var _fresh = fresh;

        Assert.Equal((WebSocketCloseStatus)4000, await old.ClosedAsync(Ct));
        var again = await a.NextAsync("peer_joined", Ct);
        Assert.Equal(players[1].UserId, again.GetProperty("peer_id").GetInt64());
        await a.SendAsync(new { type = "offer", to = players[1].UserId, sdp = "to the new socket" }, Ct);
        Assert.Equal("to the new socket", (await fresh.NextAsync("offer", Ct)).GetProperty("sdp").GetString());
    }

    [Fact]
    public async Task Every_replaced_socket_closes_with_4000_never_1000()
    {
        // The close code was once set after the send queue completed, and a few of many parallel
        // replacements went out as 1000: many at once gives that race its chances.
        const int Replacements = 4;
        var rooms = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => RoomKit.SeatedRoomAsync(gateway.Client, Ct)));
        var statuses = await Task.WhenAll(rooms.SelectMany(r => r.Players.Select(p => (Player: p, r.Code))).Select(async seat =>
        {
            var seen = new List<WebSocketCloseStatus?>();
            for (var i = 0; i < Replacements; i++)
            {
                var (old, _) = await RealtimeKit.JoinAsync(gateway.Address, seat.Player, seat.Code, Ct);
                var oldVoice = await RealtimeKit.VoiceAsync(gateway.Address, seat.Player, seat.Code, Ct);
                await oldVoice.SendAsync(new { type = "init" }, Ct);
                await oldVoice.NextAsync("session_state", Ct);
                await using var fresh = await RealtimeKit.SignalingAsync(gateway.Address, seat.Player, seat.Code, Ct);
                await using var freshVoice = await RealtimeKit.VoiceAsync(gateway.Address, seat.Player, seat.Code, Ct);
                seen.Add(await old.ClosedAsync(Ct));
                seen.Add(await oldVoice.ClosedAsync(Ct));
                await old.DisposeAsync();
                await oldVoice.DisposeAsync();
            }

            return seen;
        }));

        Assert.All(statuses.SelectMany(s => s), status => Assert.Equal((WebSocketCloseStatus)4000, status));
    }

    [Fact]
    public async Task Closing_a_socket_tells_the_others_peer_left()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var (a, _) = await RealtimeKit.JoinAsync(gateway.Address, players[0], code, Ct);
        await using var _a = a;
        var (b, _) = await RealtimeKit.JoinAsync(gateway.Address, players[1], code, Ct);
        await a.NextAsync("peer_joined", Ct);

        await b.DisposeAsync();

        var left = await a.NextAsync("peer_left", Ct);
        Assert.Equal(players[1].UserId, left.GetProperty("peer_id").GetInt64());
        await a.SendAsync(new { type = "offer", to = players[1].UserId, sdp = "gone" }, Ct);
        Assert.Equal("peer_not_connected", (await a.NextAsync("error", Ct)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_plain_http_request_to_a_socket_path_gets_400()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);

        var response = await gateway.Client.GetAsync($"/ws/signaling?room_code={code}&token={players[0].Tokens.AccessToken}", Ct);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "websocket_required");
    }
}

/// <summary>With TURN configured, the signaling socket hands out fresh credentials before the old ones expire.</summary>
public sealed class IceRefreshTests(Dilemma.Tests.Infrastructure.LocalServices services)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_socket_pushes_ice_config_refresh_with_working_turn_credentials_before_they_expire()
    {
        var coturn = await services.GetCoturnAsync(Ct);
        var settings = Dilemma.Tests.Ice.IceGateway.Coturn(coturn, ttlSeconds: 60);
        settings["Realtime:IceRefreshLeadSeconds"] = "58";
        await using var factory = new GatewayFactory(settings);
        var address = factory.StartKestrel();
        using var http = new HttpClient { BaseAddress = address };
        var (players, code) = await RoomKit.SeatedRoomAsync(http, Ct);

        var (socket, _) = await RealtimeKit.JoinAsync(address, players[0], code, Ct);
        await using var _socket = socket;
        var refresh = await socket.NextAsync("ice_config_refresh", Ct);

        // The same thing spelled the same way everywhere: the HTTP answer's fields, plus type.
        var answer = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync("/webrtc/ice-config", Ct));
        Assert.Equal(
            answer.EnumerateObject().Select(p => p.Name).Append("type").Order(StringComparer.Ordinal),
            refresh.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("coturn", refresh.GetProperty("provider").GetString());
        Assert.Equal(JsonValueKind.Null, refresh.GetProperty("fallback").ValueKind);
        Assert.True(refresh.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.True(refresh.GetProperty("turnEnabled").GetBoolean());
        Assert.Equal(60, refresh.GetProperty("ttl").GetInt32());
        var turn = refresh.GetProperty("iceServers").EnumerateArray().First(s => s.TryGetProperty("credential", out _));
        var username = turn.GetProperty("username").GetString()!;
        Assert.EndsWith($":{players[0].UserId}", username, StringComparison.Ordinal);
        var allocation = await Dilemma.Tests.Infrastructure.TurnClient.AllocateAsync(coturn.EndPoint, username, turn.GetProperty("credential").GetString()!, Ct);
        Assert.True(allocation.Succeeded, allocation.ToString());
    }
}

/// <summary>The per-socket message rate (a token bucket refilled as messages arrive, with no timer per socket).</summary>
public sealed class SocketRateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Messages_past_the_burst_are_refused_and_the_allowance_comes_back_with_time()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Realtime:MessageBurst"] = "3",
            ["Realtime:MessagesPerSecond"] = "1",
            ["Realtime:MaxViolations"] = "1000",
        };
        await using var factory = new GatewayFactory(settings);
        var address = factory.StartKestrel();
        using var http = new HttpClient { BaseAddress = address };
        var (players, code) = await RoomKit.SeatedRoomAsync(http, Ct);
        await using var socket = await RealtimeKit.SignalingAsync(address, players[0], code, Ct);

        // Far faster than one a second: past the burst of three, the rest are refused.
        for (var i = 0; i < 8; i++)
        {
            await socket.SendAsync(new { type = "ping" }, Ct);
        }

        await socket.UntilAsync(r => r.Count(IsAnswer) == 8, "an answer to each ping", Ct);
        var refused = socket.Received.Count(m => IsError(m, "rate_limited"));
        Assert.InRange(refused, 1, 5);

        // Nothing refills the bucket but the next message: the allowance must still come back.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var answered = 8;
        while (socket.Received.Count(IsPong) == 8 - refused)
        {
            Assert.True(DateTime.UtcNow < deadline, "no ping was answered again within 10 s");
            await Task.Delay(TimeSpan.FromMilliseconds(250), Ct);
            await socket.SendAsync(new { type = "ping" }, Ct);
            answered++;
            await socket.UntilAsync(r => r.Count(IsAnswer) == answered, "an answer to the ping", Ct);
        }

        Assert.Equal(WebSocketState.Open, socket.State);
    }

    private static bool IsPong(JsonElement m) => m.GetProperty("type").GetString() == "pong";

    private static bool IsError(JsonElement m, string code) =>
        m.GetProperty("type").GetString() == "error" && m.GetProperty("code").GetString() == code;

    private static bool IsAnswer(JsonElement m) => IsPong(m) || IsError(m, "rate_limited");
}
