using Dapper;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Rooms;
using MySqlConnector;

namespace Dilemma.Tests.Realtime;

/// <summary>Sockets on different gateway processes of one cluster (Redis membership, MariaDB storage) reach each other.</summary>
public sealed class ClusterRealtimeTests(LocalServices services)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_gateways_relay_signaling_and_voice_between_each_other_and_recording_lands_in_MariaDB()
    {
        await using var deployment = await ClusterDeployment.StartAsync(services, "realtime_", silos: 2, Ct);
        var first = deployment.CreateGateway().StartKestrel();
        var second = deployment.CreateGateway().StartKestrel();
        using var http = new HttpClient { BaseAddress = first };
        var (players, code) = await RoomKit.SeatedRoomAsync(http, Ct);

        var (a, _) = await RealtimeKit.JoinAsync(first, players[0], code, Ct);
        var (b, bPeers) = await RealtimeKit.JoinAsync(second, players[1], code, Ct);
        await using var _a = a;
        await using var _b = b;
        Assert.Equal(players[0].UserId, Assert.Single(bPeers.GetProperty("peers").EnumerateArray()).GetProperty("peer_id").GetInt64());
        Assert.Equal(players[1].UserId, (await a.NextAsync("peer_joined", Ct)).GetProperty("peer_id").GetInt64());

        await a.SendAsync(new { type = "offer", to = players[1].UserId, sdp = "across gateways" }, Ct);
        var offer = await b.NextAsync("offer", Ct);
        Assert.Equal(players[0].UserId, offer.GetProperty("from").GetInt64());
        await b.SendAsync(new { type = "answer", to = players[0].UserId, sdp = "back again" }, Ct);
        Assert.Equal("back again", (await a.NextAsync("answer", Ct)).GetProperty("sdp").GetString());

        await RealtimeKit.GiveVoiceConsentAsync(players[1], Ct);
        await using var voiceA = await RealtimeKit.VoiceAsync(first, players[0], code, Ct);
        await using var voiceB = await RealtimeKit.VoiceAsync(second, players[1], code, Ct);
        await voiceB.SendAsync(new { type = "start_recording" }, Ct);
        Assert.True((await voiceA.NextAsync("recording_state", Ct)).GetProperty("is_recording").GetBoolean());

        await using var connection = new MySqlConnection(deployment.MySqlConnectionString);
        var events = (await connection.QueryAsync<(long UserId, string EventType)>(
            "SELECT user_id, event_type FROM recording_events WHERE room_code = @code ORDER BY id", new { code })).ToList();
        Assert.Equal([(players[1].UserId, "recording_started")], events);
    }
}
