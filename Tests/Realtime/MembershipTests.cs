using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Realtime;

/// <summary>
/// Who may signal whom is the room's rule: only people seated in the room, checked by the
/// grains. Leaving closes a user's sockets with 4003 at once, pushed by the room. In cluster
/// mode the leaver's sockets are on another gateway than the room's other players'.
/// </summary>
public abstract class MembershipTests(Uri first, Uri second, HttpClient http, IServiceProvider services)
{
    private static readonly TimeSpan EvictionDeadline = TimeSpan.FromSeconds(2);

    private static readonly string[] Relayed = ["offer", "answer", "candidate"];

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IGrainFactory Grains => services.GetRequiredService<IGrainFactory>();

    [Fact]
    public async Task A_participant_who_left_hears_nothing_and_reaches_nobody_for_a_whole_game()
    {
        var guests = await RoomKit.GuestsAsync(http, 4, Ct);
        var (a, b, c, leaver) = (guests[0], guests[1], guests[2], guests[3]);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(a, Ct));
        await RoomKit.JoinAsync(leaver, code, Ct);

        await using var aVoice = await RealtimeKit.VoiceAsync(first, a, code, Ct);
        await aVoice.SendAsync(new { type = "init" }, Ct);
        await aVoice.NextAsync("session_state", Ct);
        var (aSignal, _) = await RealtimeKit.JoinAsync(first, a, code, Ct);
        await using var _aSignal = aSignal;

        // As in the finding: a signaling socket that never sends join, and a voice socket.
        await using var leaverSignal = await RealtimeKit.SignalingAsync(second, leaver, code, Ct);
        await using var leaverVoice = await RealtimeKit.VoiceAsync(second, leaver, code, Ct);
        await aVoice.NextAsync(m => IsPresence(m, leaver.UserId, connected: true), "the leaver's voice presence", Ct);

        // While seated, its offers arrive: this is the path leaving must cut.
        await leaverSignal.SendAsync(new { type = "offer", to = a.UserId, sdp = "while seated" }, Ct);
        Assert.Equal(leaver.UserId, (await aSignal.NextAsync("offer", Ct)).GetProperty("from").GetInt64());
        var leaverHeard = leaverSignal.Received.Count + leaverVoice.Received.Count;
        var aHeardBeforeLeave = aSignal.Received.Count;
        var aVoiceHeardBeforeLeave = aVoice.Received.Count;

        Assert.Equal(HttpStatusCode.NoContent, (await leaver.PostAsync($"/rooms/{code}/leave", null, Ct)).StatusCode);

        Assert.Equal((WebSocketCloseStatus)4003, await leaverSignal.ClosedWithinAsync(EvictionDeadline, Ct));
        Assert.Equal((WebSocketCloseStatus)4003, await leaverVoice.ClosedWithinAsync(EvictionDeadline, Ct));
        // The server has said goodbye, but a client may still send before it answers: none of it may land.
        await TrySendAsync(leaverSignal, new { type = "offer", to = a.UserId, sdp = "after leaving" });
        await TrySendAsync(leaverVoice, new { type = "voice_status_update", is_mic_on = true, is_speaking = true });
        Assert.Equal(HttpStatusCode.Forbidden, await SocketClient.RefusalAsync(second, $"/ws/signaling?room_code={code}&token={leaver.Tokens.AccessToken}", Ct));
        Assert.Equal(HttpStatusCode.Forbidden, await SocketClient.RefusalAsync(first, $"/ws/voice/{code}?token={leaver.Tokens.AccessToken}", Ct));

        // Past the gateway, straight at the grain: a remaining peer's grain takes nothing from the leaver. The call
        // is one-way; a's grain handles it before the candidates of the game below, and a's socket must never show it.
        await Grains.GetGrain<IPeerGrain>(IPeerGrain.KeyOf(code, a.UserId)).DeliverAsync(new SignalEnvelope("offer", leaver.UserId, "sdp", "\"from a ghost\""u8.ToArray()));

        // The seats fill again and a whole game is played, with signaling between the three.
        await RoomKit.JoinAsync(b, code, Ct);
        await RoomKit.JoinAsync(c, code, Ct);
        await using var bVoice = await RealtimeKit.VoiceAsync(second, b, code, Ct);
        await using var cVoice = await RealtimeKit.VoiceAsync(first, c, code, Ct);
        var (bSignal, _) = await RealtimeKit.JoinAsync(second, b, code, Ct);
        var (cSignal, _) = await RealtimeKit.JoinAsync(first, c, code, Ct);
        await using var _bSignal = bSignal;
        await using var _cSignal = cSignal;
        await HttpAssert.OkAsync<JsonElement>(await a.PostAsync($"/rooms/assign-roles/{code}", new { }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await a.PostAsync($"/rooms/{code}/start", null, Ct));
        var players = new[] { a, b, c };
        var signals = new[] { aSignal, bSignal, cSignal };
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players, code, round, Ct);
            for (var i = 0; i < 3; i++)
            {
                var to = (i + 1) % 3;
                await signals[i].SendAsync(new { type = "candidate", to = players[to].UserId, candidate = new { candidate = $"round-{round}-from-{i}" } }, Ct);
                var candidate = await signals[to].NextAsync(m => m.GetProperty("type").GetString() == "candidate" && m.GetProperty("from").GetInt64() == players[i].UserId, "a candidate", Ct);
                Assert.Equal($"round-{round}-from-{i}", candidate.GetProperty("candidate").GetProperty("candidate").GetString());
            }
        }

        foreach (var voice in new[] { aVoice, bVoice, cVoice })
        {
            await voice.NextAsync(m => m.GetProperty("type").GetString() == "room_updated" && m.GetProperty("room").GetProperty("phase").GetString() == "finished", "the finished room", Ct);
        }

        Assert.Equal(leaverHeard, leaverSignal.Received.Count + leaverVoice.Received.Count);
        var heardAfterLeave = aSignal.Received.Skip(aHeardBeforeLeave)
            .Concat(aVoice.Received.Skip(aVoiceHeardBeforeLeave))
            .Concat(new[] { bSignal, cSignal, bVoice, cVoice }.SelectMany(s => s.Received));
        Assert.DoesNotContain(heardAfterLeave, m => Mentions(m, leaver.UserId));
    }

    [Fact]
    public async Task An_addressee_outside_the_room_is_refused_and_no_peer_grain_is_activated_for_it()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(http, Ct);
        var stranger = await RoomKit.GuestAsync(http, Ct);
        var (a, _) = await RealtimeKit.JoinAsync(first, players[0], code, Ct);
        await using var _a = a;
        var guessed = 9_000_000_000L + Random.Shared.Next(1_000_000);

        foreach (var to in new[] { stranger.UserId, guessed })
        {
            await a.SendAsync(new { type = "offer", to, sdp = "to a stranger" }, Ct);
            Assert.Equal("peer_not_in_room", (await a.NextAsync("error", Ct)).GetProperty("code").GetString());
        }

        var sender = Grains.GetGrain<IPeerGrain>(IPeerGrain.KeyOf(code, players[0].UserId));
        var management = Grains.GetGrain<Orleans.Runtime.IManagementGrain>(0);
        var active = await management.GetActiveGrains(sender.GetGrainId().Type, Ct);
        Assert.Contains(sender.GetGrainId(), active);
        Assert.DoesNotContain(Grains.GetGrain<IPeerGrain>(IPeerGrain.KeyOf(code, stranger.UserId)).GetGrainId(), active);
        Assert.DoesNotContain(Grains.GetGrain<IPeerGrain>(IPeerGrain.KeyOf(code, guessed)).GetGrainId(), active);
    }

    [Fact]
    public async Task A_refusal_by_the_addressees_grain_reaches_the_sender_and_the_missed_message_shows_as_a_gap()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(http, Ct);
        var (a, _) = await RealtimeKit.JoinAsync(first, players[0], code, Ct);
        await using var _a = a;
        var (b, _) = await RealtimeKit.JoinAsync(second, players[1], code, Ct);
        await a.NextAsync(m => m.GetProperty("type").GetString() == "peer_joined" && m.GetProperty("peer_id").GetInt64() == players[1].UserId, "b joined", Ct);
        await a.SendAsync(new { type = "offer", to = players[1].UserId, sdp = "first" }, Ct);
        Assert.Equal(1, (await b.NextAsync("offer", Ct)).GetProperty("seq").GetInt64());

        // b's socket closes: only b's grain knows, and its refusal travels back (one-way, through a's grain) to a's gateway.
        await b.DisposeAsync();
        await a.NextAsync(m => m.GetProperty("type").GetString() == "peer_left" && m.GetProperty("peer_id").GetInt64() == players[1].UserId, "b left", Ct);
        await a.SendAsync(new { type = "offer", to = players[1].UserId, sdp = "missed" }, Ct);
        Assert.Equal("peer_not_connected", (await a.NextAsync("error", Ct)).GetProperty("code").GetString());
        Assert.Equal(WebSocketState.Open, a.State);

        var (again, _) = await RealtimeKit.JoinAsync(second, players[1], code, Ct);
        await using var _again = again;
        await a.SendAsync(new { type = "offer", to = players[1].UserId, sdp = "third" }, Ct);
        var third = await again.NextAsync("offer", Ct);
        Assert.Equal("third", third.GetProperty("sdp").GetString());
        Assert.Equal(3, third.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task The_voice_socket_of_a_participant_who_left_closes_with_4003_at_once()
    {
        var guests = await RoomKit.GuestsAsync(http, 2, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(guests[0], Ct));
        await RoomKit.JoinAsync(guests[1], code, Ct);
        await using var host = await RealtimeKit.VoiceAsync(first, guests[0], code, Ct);
        await host.SendAsync(new { type = "init" }, Ct);
        await host.NextAsync("session_state", Ct);
        await using var leaving = await RealtimeKit.VoiceAsync(second, guests[1], code, Ct);
        await host.NextAsync(m => IsPresence(m, guests[1].UserId, connected: true), "the second voice socket", Ct);

        Assert.Equal(HttpStatusCode.NoContent, (await guests[1].PostAsync($"/rooms/{code}/leave", null, Ct)).StatusCode);

        Assert.Equal((WebSocketCloseStatus)4003, await leaving.ClosedWithinAsync(EvictionDeadline, Ct));
        await host.NextAsync(m => IsPresence(m, guests[1].UserId, connected: false), "the leaver's voice gone", Ct);
    }

    private static async Task TrySendAsync(SocketClient socket, object message)
    {
        try
        {
            await socket.SendAsync(message, Ct);
        }
        catch (Exception e) when (e is WebSocketException or InvalidOperationException or ObjectDisposedException)
        {
            // Closed for sending already: nothing could be delivered, which is the point.
        }
    }

    private static bool IsPresence(JsonElement message, long userId, bool connected) =>
        message.GetProperty("type").GetString() == "participant_connection"
        && message.GetProperty("user_id").GetInt64() == userId
        && message.GetProperty("connected").GetBoolean() == connected;

    /// <summary>Whether a message carries anything from or about the user as a live peer.</summary>
    private static bool Mentions(JsonElement message, long userId)
    {
        var type = message.GetProperty("type").GetString();
        return (Relayed.Contains(type) && message.GetProperty("from").GetInt64() == userId)
            || (type is "peer_joined" or "peer_left" && message.GetProperty("peer_id").GetInt64() == userId)
            || (type is "voice_status_update" or "recording_state" && message.TryGetProperty("user_id", out var user) && user.GetInt64() == userId)
            || (type == "participant_connection" && message.GetProperty("user_id").GetInt64() == userId && message.GetProperty("connected").GetBoolean())
            || (type == "room_updated" && message.GetProperty("room").GetProperty("participants").EnumerateArray().Any(p => p.GetProperty("user_id").GetInt64() == userId));
    }
}

public sealed class EmbeddedMembershipTests(KestrelGatewayFixture gateway)
    : MembershipTests(gateway.Address, gateway.Address, gateway.Client, gateway.Services), IClassFixture<KestrelGatewayFixture>;

public sealed class ClusterMembershipTests(ClusterKestrelFixture cluster)
    : MembershipTests(cluster.First, cluster.Second, cluster.Client, cluster.Services), IClassFixture<ClusterKestrelFixture>;
