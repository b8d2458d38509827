using System.Net;
using System.Net.WebSockets;
using System.Text;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;

namespace Dilemma.Tests.Realtime;

/// <summary>What a misbehaving client gets: errors, then a closed socket; never a server that stops serving others.</summary>
public sealed class AbuseTests(KestrelGatewayFixture gateway) : IClassFixture<KestrelGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Malformed_json_and_unknown_types_get_errors_and_the_socket_stays_usable()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var (a, _) = await RealtimeKit.JoinAsync(gateway.Address, players[0], code, Ct);
        await using var _a = a;

        await a.SendRawAsync("{\"type\": \"offer\", ", Ct);
        Assert.Equal("malformed_json", (await a.NextAsync("error", Ct)).GetProperty("code").GetString());
        await a.SendRawAsync("[1,2,3]", Ct);
        Assert.Equal("missing_type", (await a.NextAsync("error", Ct)).GetProperty("code").GetString());
        await a.SendAsync(new { type = "teleport" }, Ct);
        Assert.Equal("unknown_type", (await a.NextAsync("error", Ct)).GetProperty("code").GetString());
        await a.SendAsync(new { type = "offer", sdp = "no addressee" }, Ct);
        Assert.Equal("invalid_message", (await a.NextAsync("error", Ct)).GetProperty("code").GetString());

        await a.SendAsync(new { type = "ping" }, Ct);
        await a.NextAsync("pong", Ct);
    }

    [Fact]
    public async Task Trailing_text_a_non_string_type_or_a_nested_one_is_refused_and_an_escaped_type_is_read()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var (a, _) = await RealtimeKit.JoinAsync(gateway.Address, players[0], code, Ct);
        await using var _a = a;

        foreach (var (raw, expected) in new[]
        {
            ("{\"type\":\"ping\"} trailing", "malformed_json"),
            ("{\"type\":\"ping\"}{\"type\":\"ping\"}", "malformed_json"),
            ("", "malformed_json"),
            ("{\"type\":7}", "missing_type"),
            ("\"ping\"", "missing_type"),
            ("{\"data\":{\"type\":\"ping\"}}", "missing_type"),
            ($"{{\"type\":\"offer\",\"to\":{players[1].UserId},\"sdp\":null}}", "invalid_message"),
            ($"{{\"type\":\"offer\",\"to\":\"-{players[1].UserId}\",\"sdp\":\"x\"}}", "invalid_message"),
            ("{\"type\":{\"type\":\"ping\"}}}", "malformed_json"),
            ("{\"type\":{\"type\":\"ping\"}}", "missing_type"),
            ($"{{\"type\":\"offer\",\"sdp\":\"x\",\"to\":{{\"to\":{players[1].UserId}}}}}", "invalid_message"),
        })
        {
            await a.SendRawAsync(raw, Ct);
            Assert.Equal(expected, (await a.NextAsync("error", Ct)).GetProperty("code").GetString());
        }

        await a.SendRawAsync("{\"type\":\"p\\u0069ng\"}", Ct);
        await a.NextAsync("pong", Ct);
    }

    [Fact]
    public async Task A_one_megabyte_frame_is_refused_and_not_delivered()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var (a, _) = await RealtimeKit.JoinAsync(gateway.Address, players[0], code, Ct);
        var (b, _) = await RealtimeKit.JoinAsync(gateway.Address, players[1], code, Ct);
        await using var _a = a;
        await using var _b = b;

        var huge = $"{{\"type\":\"offer\",\"to\":{players[1].UserId},\"sdp\":\"{new string('x', 1024 * 1024)}\"}}";
        await a.SendBytesAsync(Encoding.UTF8.GetBytes(huge), Ct);

        Assert.Equal("message_too_large", (await a.NextAsync("error", Ct)).GetProperty("code").GetString());
        await a.SendAsync(new { type = "offer", to = players[1].UserId, sdp = "small" }, Ct);
        Assert.Equal("small", (await b.NextAsync("offer", Ct)).GetProperty("sdp").GetString());
    }

    [Fact]
    public async Task A_burst_of_ten_thousand_messages_closes_that_socket_and_other_rooms_carry_on()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var (others, otherCode) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        var (abuser, _) = await RealtimeKit.JoinAsync(gateway.Address, players[0], code, Ct);
        var (victim, _) = await RealtimeKit.JoinAsync(gateway.Address, players[1], code, Ct);
        var (d, _) = await RealtimeKit.JoinAsync(gateway.Address, others[0], otherCode, Ct);
        var (e, _) = await RealtimeKit.JoinAsync(gateway.Address, others[1], otherCode, Ct);
        await using var _abuser = abuser;
        await using var _victim = victim;
        await using var _d = d;
        await using var _e = e;

        var message = Encoding.UTF8.GetBytes($"{{\"type\":\"candidate\",\"to\":{players[1].UserId},\"candidate\":{{\"candidate\":\"spam\"}}}}");
        try
        {
            for (var i = 0; i < 10_000 && abuser.State == WebSocketState.Open; i++)
            {
                await abuser.SendBytesAsync(message, Ct);
            }
        }
        catch (WebSocketException)
        {
            // The server closed the socket mid-burst, as it should.
        }

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await abuser.ClosedAsync(Ct));
        await d.SendAsync(new { type = "offer", to = others[1].UserId, sdp = "still here" }, Ct);
        Assert.Equal("still here", (await e.NextAsync("offer", Ct)).GetProperty("sdp").GetString());
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("/health", Ct)).StatusCode);
    }
}
