using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Dilemma.Grains.Research;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Realtime;

/// <summary>The voice-session socket: session state, microphone broadcasts, recording, room updates.</summary>
public sealed class VoiceSessionTests(KestrelGatewayFixture gateway) : IClassFixture<KestrelGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Init_answers_the_session_state()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        await using var a = await RealtimeKit.VoiceAsync(gateway.Address, players[0], code, Ct);
        await using var b = await RealtimeKit.VoiceAsync(gateway.Address, players[1], code, Ct);

        // a's own answer to init says it is registered: only then is it connected to the room (the upgrade comes first).
        await a.SendAsync(new { type = "init" }, Ct);
        await a.NextAsync("session_state", Ct);
        await b.SendAsync(new { type = "init" }, Ct);
        var state = await b.NextAsync("session_state", Ct);

        Assert.Equal(code, state.GetProperty("room_code").GetString());
        var participants = state.GetProperty("participants").EnumerateArray().ToList();
        Assert.Equal(3, participants.Count);
        Assert.Equal("connected", participants.Single(p => p.GetProperty("user_id").GetInt64() == players[0].UserId).GetProperty("connection_state").GetString());
        Assert.Equal("disconnected", participants.Single(p => p.GetProperty("user_id").GetInt64() == players[2].UserId).GetProperty("connection_state").GetString());
        Assert.All(participants, p => Assert.False(p.GetProperty("is_mic_on").GetBoolean()));
        Assert.False(state.GetProperty("recording").GetProperty("is_recording").GetBoolean());
    }

    [Fact]
    public async Task Voice_status_goes_to_the_others_with_the_senders_id()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        await using var a = await RealtimeKit.VoiceAsync(gateway.Address, players[0], code, Ct);
        await using var b = await RealtimeKit.VoiceAsync(gateway.Address, players[1], code, Ct);

        await a.SendAsync(new { type = "voice_status_update", is_mic_on = true, is_speaking = true, user_id = players[2].UserId }, Ct);

        var status = await b.NextAsync("voice_status_update", Ct);
        Assert.Equal(players[0].UserId, status.GetProperty("user_id").GetInt64());
        Assert.True(status.GetProperty("is_mic_on").GetBoolean());
        Assert.True(status.GetProperty("is_speaking").GetBoolean());

        // The sender is not echoed: the next thing it hears is its own session state.
        await a.SendAsync(new { type = "init" }, Ct);
        var next = await a.NextAsync(m => m.GetProperty("type").GetString() is "voice_status_update" or "session_state", "its own next message", Ct);
        Assert.Equal("session_state", next.GetProperty("type").GetString());
        Assert.True(next.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == players[0].UserId).GetProperty("is_mic_on").GetBoolean());
    }

    [Fact]
    public async Task A_status_update_without_its_fields_is_refused()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        await using var a = await RealtimeKit.VoiceAsync(gateway.Address, players[0], code, Ct);

        await a.SendAsync(new { type = "voice_status_update", is_mic_on = "yes" }, Ct);

        Assert.Equal("invalid_message", (await a.NextAsync("error", Ct)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_frame_whose_type_is_an_object_is_refused_and_the_socket_still_relays()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        await using var a = await RealtimeKit.VoiceAsync(gateway.Address, players[0], code, Ct);
        await using var b = await RealtimeKit.VoiceAsync(gateway.Address, players[1], code, Ct);
        await b.SendAsync(new { type = "init" }, Ct);
        await b.NextAsync("session_state", Ct);

        await a.SendRawAsync("{\"type\":{\"type\":\"init\"}}}", Ct);
        Assert.Equal("malformed_json", (await a.NextAsync("error", Ct)).GetProperty("code").GetString());
        await a.SendRawAsync("{\"type\":{\"type\":\"init\"}}", Ct);
        Assert.Equal("missing_type", (await a.NextAsync("error", Ct)).GetProperty("code").GetString());

        await a.SendAsync(new { type = "voice_status_update", is_mic_on = true, is_speaking = false }, Ct);
        Assert.Equal(players[0].UserId, (await b.NextAsync("voice_status_update", Ct)).GetProperty("user_id").GetInt64());
        Assert.Equal(WebSocketState.Open, a.State);
    }

    [Fact]
    public async Task Recording_by_a_consenting_participant_is_broadcast_and_recorded_as_research_events()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        await RealtimeKit.GiveVoiceConsentAsync(players[0], Ct);
        await using var a = await RealtimeKit.VoiceAsync(gateway.Address, players[0], code, Ct);
        await using var b = await RealtimeKit.VoiceAsync(gateway.Address, players[1], code, Ct);

        // An open socket is subscribed to the room's pushes only once the gateway has joined it; init's answer says it has.
        await b.SendAsync(new { type = "init" }, Ct);
        await b.NextAsync("session_state", Ct);

        await a.SendAsync(new { type = "start_recording" }, Ct);
        var started = await b.NextAsync("recording_state", Ct);
        Assert.True(started.GetProperty("is_recording").GetBoolean());
        Assert.Equal(players[0].UserId, started.GetProperty("changed_by").GetInt64());
        Assert.True((await a.NextAsync("recording_state", Ct)).GetProperty("is_recording").GetBoolean());

        await StopRecordingAsync(a);
        Assert.False((await b.NextAsync("recording_state", Ct)).GetProperty("is_recording").GetBoolean());

        var events = gateway.Services.GetRequiredService<InMemoryResearchStore>().RecordingEvents(code);
        Assert.Equal([RecordingEventType.Started, RecordingEventType.Stopped], events.Select(e => e.Type).ToArray());
        Assert.All(events, e => Assert.Equal(players[0].UserId, e.UserId));
        Assert.True(events[0].At <= events[1].At);
    }

    [Fact]
    public async Task A_newer_voice_socket_of_the_same_user_replaces_the_older_with_4000_and_pushes_arrive_once()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        await using var b = await RealtimeKit.VoiceAsync(gateway.Address, players[1], code, Ct);
        var older = new List<SocketClient>();
        for (var i = 0; i < 5; i++)
        {
            // Newer means joined the room later: init's answer says this socket has, so the next one cannot overtake it
            // (on a busy machine a socket's join could reach the room after a later socket's, and replace that one).
            var socket = await RealtimeKit.VoiceAsync(gateway.Address, players[0], code, Ct);
            await socket.SendAsync(new { type = "init" }, Ct);
            await socket.NextAsync("session_state", Ct);
            older.Add(socket);
        }

        await using var newest = await RealtimeKit.VoiceAsync(gateway.Address, players[0], code, Ct);
        foreach (var socket in older)
        {
            Assert.Equal((WebSocketCloseStatus)4000, await socket.ClosedAsync(Ct));
            await socket.DisposeAsync();
        }

        await b.SendAsync(new { type = "voice_status_update", is_mic_on = true, is_speaking = false }, Ct);
        await newest.NextAsync("voice_status_update", Ct);
        await b.SendAsync(new { type = "init" }, Ct);
        var state = await b.NextAsync("session_state", Ct);
        Assert.Equal("connected", state.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == players[0].UserId).GetProperty("connection_state").GetString());

        // One room change over HTTP reaches the user's one socket once.
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        await newest.NextAsync(m => m.GetProperty("type").GetString() == "room_updated" && m.GetProperty("room").GetProperty("phase").GetString() == "started", "the started room", Ct);
        await newest.SendAsync(new { type = "ping" }, Ct);
        await newest.NextAsync("pong", Ct);
        Assert.Single(newest.Received, m => m.GetProperty("type").GetString() == "voice_status_update");
        Assert.Single(newest.Received, m => m.GetProperty("type").GetString() == "room_updated");
    }

    [Fact]
    public async Task Recording_without_voice_consent_is_refused_and_changes_nothing()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(gateway.Client, Ct);
        await using var a = await RealtimeKit.VoiceAsync(gateway.Address, players[1], code, Ct);

        await a.SendAsync(new { type = "start_recording" }, Ct);

        Assert.Equal("voice_consent_required", (await a.NextAsync("error", Ct)).GetProperty("code").GetString());
        await a.SendAsync(new { type = "init" }, Ct);
        Assert.False((await a.NextAsync("session_state", Ct)).GetProperty("recording").GetProperty("is_recording").GetBoolean());
        Assert.Empty(gateway.Services.GetRequiredService<InMemoryResearchStore>().RecordingEvents(code));
    }

    [Fact]
    public async Task Every_room_change_made_over_http_is_pushed_as_room_updated_without_revealing_choices()
    {
        var players = await RoomKit.GuestsAsync(gateway.Client, 3, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(players[0], Ct));
        await using var host = await RealtimeKit.VoiceAsync(gateway.Address, players[0], code, Ct);

        // The socket is open before the gateway has subscribed it to the room; its answer to init says it has.
        await host.SendAsync(new { type = "init" }, Ct);
        await host.NextAsync("session_state", Ct);

        await RoomKit.JoinAsync(players[1], code, Ct);
        Assert.Equal(2, (await NextUpdateAsync(host)).GetProperty("participants").GetArrayLength());
        await RoomKit.JoinAsync(players[2], code, Ct);
        Assert.Equal(3, (await NextUpdateAsync(host)).GetProperty("participants").GetArrayLength());
        await players[0].PostAsync($"/rooms/assign-roles/{code}", new { }, Ct);
        Assert.All((await NextUpdateAsync(host)).GetProperty("participants").EnumerateArray(), p => Assert.NotEqual(JsonValueKind.Null, p.GetProperty("role_id").ValueKind));
        await players[0].PostAsync($"/rooms/{code}/start", null, Ct);
        Assert.Equal("started", (await NextUpdateAsync(host)).GetProperty("phase").GetString());

        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[1], code, 1, 2, 5, Ct), HttpStatusCode.Created);
        var chosen = await NextUpdateAsync(host);
        Assert.Equal([players[1].UserId], chosen.GetProperty("chosen_this_round").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        Assert.DoesNotContain("\"choice\"", chosen.GetRawText(), StringComparison.Ordinal);

        await RoomKit.ChooseAsync(players[0], code, 1, 0, 3, Ct);
        await NextUpdateAsync(host);
        await RoomKit.ChooseAsync(players[2], code, 1, 0, 3, Ct);
        await NextUpdateAsync(host);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 1, 0, 4, Ct), HttpStatusCode.Created);
        var consensus = await NextUpdateAsync(host);
        Assert.Equal(2, consensus.GetProperty("current_round").GetInt32());
        Assert.Equal(0, consensus.GetProperty("consensus")[0].GetProperty("choice").GetInt32());
    }

    /// <summary>Stops the recording, asking again while the once-a-second rule refuses.</summary>
    private static async Task StopRecordingAsync(SocketClient socket)
    {
        static bool Stopped(JsonElement m) => m.GetProperty("type").GetString() == "recording_state" && !m.GetProperty("is_recording").GetBoolean();
        static int Errors(IReadOnlyList<JsonElement> received) => received.Count(m => m.GetProperty("type").GetString() == "error");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var refusedBefore = Errors(socket.Received);
            await socket.SendAsync(new { type = "stop_recording" }, Ct);
            await socket.UntilAsync(r => r.Any(Stopped) || Errors(r) > refusedBefore, "an answer to stop_recording", Ct);
            if (socket.Received.Any(Stopped))
            {
                return;
            }

            Assert.Equal("rate_limited", socket.Received.Last(m => m.GetProperty("type").GetString() == "error").GetProperty("code").GetString());
            await Task.Delay(TimeSpan.FromMilliseconds(100), Ct);
        }

        Assert.Fail("stop_recording was refused for 10 s.");
    }

    private static async Task<JsonElement> NextUpdateAsync(SocketClient socket) =>
        (await socket.NextAsync("room_updated", Ct)).GetProperty("room");
}
