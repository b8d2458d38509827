using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Realtime;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Sessions;

/// <summary>
/// The facilitator's live monitor over a real WebSocket: every room of the session on connect, a student's
/// choice (who, never what) within a second, and nobody but the session's facilitator let in. In cluster
/// mode the monitor sits on the other gateway from the students' requests.
/// </summary>
public abstract class SessionMonitorTests(Uri gateway, Uri monitorGateway, HttpClient client, IServiceProvider services)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IGrainFactory Grains => services.GetRequiredService<IGrainFactory>();

    [Fact]
    public async Task The_monitor_shows_every_room_and_a_students_choice_within_a_second_without_the_choice()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, Grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, choiceSeconds: 600));
        var students = await SessionKit.EnrolledAsync(client, code, 6, Ct);
        var rooms = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct));
        var roomCodes = rooms.Select(r => r.GetProperty("room_code").GetString()!).ToList();

        await using var monitor = await MonitorAsync(monitorGateway, facilitator, code);
        var first = new Dictionary<string, JsonElement>();
        while (first.Count < roomCodes.Count)
        {
            var status = await monitor.NextAsync("room_status", Ct);
            first[status.GetProperty("room_code").GetString()!] = status;
        }

        Assert.Equal(roomCodes.Order(), first.Keys.Order());
        var watched = rooms[0];
        var before = first[roomCodes[0]];
        Assert.Equal("started", before.GetProperty("phase").GetString());
        Assert.Equal(1, before.GetProperty("round").GetInt32());
        Assert.Equal(0, before.GetProperty("chosen").GetArrayLength());
        Assert.InRange(before.GetProperty("seconds_left").GetInt32(), 590, 600);
        Assert.Equal(SessionKit.UserIds(watched).Order(), before.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("user_id").GetInt64()).Order());
        Assert.All(before.GetProperty("participants").EnumerateArray(), p => Assert.False(p.GetProperty("is_bot").GetBoolean()));

        var chooser = students.Single(s => s.UserId == SessionKit.UserIds(watched)[0]);
        var clock = Stopwatch.StartNew();
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(chooser, roomCodes[0], 1, 1, 3, Ct), HttpStatusCode.Created);
        var answered = clock.Elapsed;
        var after = await monitor.NextAsync(
            m => m.GetProperty("type").GetString() == "room_status" && m.GetProperty("room_code").GetString() == roomCodes[0] && m.GetProperty("chosen").GetArrayLength() == 1,
            "the watched room with one choice",
            Ct);
        var pushedAfterAnswer = clock.Elapsed - answered;

        // Coalescing holds a change at most one window (1 s) after the room's last message. Counted from the choice's 201,
        // not from its request: a request slowed by a loaded machine (a silo-kill test beside it took one to 2.2 s) says
        // nothing of the monitor. MonitorCoalescingTests hold the window itself by the server's own sent_at.
        Assert.True(
            pushedAfterAnswer < TimeSpan.FromSeconds(2),
            $"The choice reached the monitor {pushedAfterAnswer} after its 201 (the request itself took {answered}).");
        Assert.Equal(chooser.UserId, after.GetProperty("chosen")[0].GetInt64());
        // Who has chosen, never what: no field of the message carries a choice.
        Assert.Equal(
            ["chosen", "deadline_at", "deadline_kind", "links", "participants", "paused", "paused_at", "phase", "room_code", "round", "seconds_left", "sent_at", "type", "version"],
            after.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        // connected: whether a socket of the seat's is open, which "present" does not tell (it covers one never opened too).
        Assert.Equal(["connected", "is_bot", "nickname", "presence", "role_id", "user_id"], after.GetProperty("participants")[0].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(monitor.Received, m => m.GetProperty("type").GetString() == "room_status" && m.GetProperty("room_code").GetString() == roomCodes[1] && m.GetProperty("chosen").GetArrayLength() > 0);
    }

    [Fact]
    public async Task The_monitor_shows_the_open_rooms_and_keeps_going_when_a_room_of_the_session_has_closed()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, Grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, choiceSeconds: 600));
        var students = await SessionKit.EnrolledAsync(client, code, 4, Ct);
        var session = await SessionKit.StartAsync(facilitator, code, Ct);
        var closed = session.GetProperty("waiting_room").GetString()!;
        var playing = SessionKit.Rooms(session).Single(r => r.GetProperty("started").GetBoolean());
        var playingCode = playing.GetProperty("room_code").GetString()!;
        var lone = students.Single(s => !SessionKit.UserIds(playing).Contains(s.UserId));
        Assert.Equal(HttpStatusCode.NoContent, (await lone.PostAsync($"/rooms/{closed}/leave", null, Ct)).StatusCode);

        await using var monitor = await MonitorAsync(monitorGateway, facilitator, code);

        var first = await monitor.NextAsync("room_status", Ct);
        Assert.Equal(playingCode, first.GetProperty("room_code").GetString());

        // Still open and still told: a choice in the playing room arrives.
        var chooser = students.Single(s => s.UserId == SessionKit.UserIds(playing)[0]);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(chooser, playingCode, 1, 1, 3, Ct), HttpStatusCode.Created);
        await monitor.NextAsync(
            m => m.GetProperty("type").GetString() == "room_status" && m.GetProperty("room_code").GetString() == playingCode && m.GetProperty("chosen").GetArrayLength() == 1,
            "the playing room with one choice",
            Ct);
        Assert.DoesNotContain(monitor.Received, m => m.TryGetProperty("room_code", out var room) && room.GetString() == closed);
    }

    [Fact]
    public async Task A_session_code_typed_in_lower_case_monitors_the_same_rooms()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, Grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, choiceSeconds: 600));
        await SessionKit.EnrolledAsync(client, code, 3, Ct);
        var room = Assert.Single(SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))).GetProperty("room_code").GetString();
        var typed = code.ToLowerInvariant();
        Assert.NotEqual(code, typed);

        await using var monitor = await MonitorAsync(monitorGateway, facilitator, typed);

        var status = await monitor.NextAsync("room_status", Ct);
        Assert.Equal(room, status.GetProperty("room_code").GetString());
        Assert.Equal("started", status.GetProperty("phase").GetString());
    }

    [Fact]
    public async Task A_student_a_facilitator_of_another_session_and_a_stranger_are_refused_before_the_upgrade()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, Grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var student = (await SessionKit.EnrolledAsync(client, code, 1, Ct))[0];
        var other = await SessionKit.FacilitatorAsync(client, Grains, Ct);
        await SessionKit.CreateAsync(other, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, await SocketClient.RefusalAsync(gateway, $"/ws/sessions/{code}/monitor?token={student.Tokens.AccessToken}", Ct));
        Assert.Equal(HttpStatusCode.Forbidden, await SocketClient.RefusalAsync(gateway, $"/ws/sessions/{code}/monitor?token={other.Tokens.AccessToken}", Ct));
        Assert.Equal(HttpStatusCode.Unauthorized, await SocketClient.RefusalAsync(gateway, $"/ws/sessions/{code}/monitor", Ct));
        Assert.Equal(HttpStatusCode.NotFound, await SocketClient.RefusalAsync(gateway, $"/ws/sessions/ZZZZZZZZZZ/monitor?token={facilitator.Tokens.AccessToken}", Ct));

        // The session's own facilitator gets in, before any room opened: an empty session sends nothing yet.
        await using var monitor = await MonitorAsync(gateway, facilitator, code);
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, monitor.State);
    }

    [Fact]
    public async Task A_broadcast_reaches_every_rooms_voice_sockets_and_is_audited_with_its_text()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, Grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var students = await SessionKit.EnrolledAsync(client, code, 6, Ct);
        var rooms = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct));
        await HttpAssert.ProblemAsync(
            await facilitator.PostAsync($"/sessions/{SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct))}/broadcast", new { message = "too early" }, Ct),
            HttpStatusCode.Conflict,
            "session_not_started");

        // One student of each room listens, on either gateway.
        var listeners = new List<SocketClient>();
        foreach (var (room, at) in rooms.Zip([gateway, monitorGateway]))
        {
            var student = students.Single(s => s.UserId == SessionKit.UserIds(room)[0]);
            var voice = await RealtimeKit.VoiceAsync(at, student, room.GetProperty("room_code").GetString()!, Ct);
            listeners.Add(voice);
            await voice.SendAsync(new { type = "init" }, Ct);
            await voice.NextAsync("session_state", Ct);
        }

        try
        {
            await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/broadcast", new { message = "  Five minutes left  ", reason = "time" }, Ct));

            var heard = new List<JsonElement>();
            foreach (var voice in listeners)
            {
                heard.Add(await voice.NextAsync("facilitator_message", Ct));
            }

            Assert.All(heard, m => Assert.Equal("Five minutes left", m.GetProperty("message").GetString()));
            Assert.Single(heard.Select(m => m.GetProperty("at").GetDateTimeOffset()).Distinct());
            Assert.Equal(["at", "message", "type"], heard[0].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        }
        finally
        {
            foreach (var voice in listeners)
            {
                await voice.DisposeAsync();
            }
        }

        var blank = await HttpAssert.ProblemAsync(await facilitator.PostAsync($"/sessions/{code}/broadcast", new { message = "   " }, Ct), HttpStatusCode.UnprocessableEntity, "invalid_message");
        Assert.Equal("message", blank.GetProperty("field").GetString());
        var tooLong = await HttpAssert.ProblemAsync(await facilitator.PostAsync($"/sessions/{code}/broadcast", new { message = new string('a', 281) }, Ct), HttpStatusCode.UnprocessableEntity, "invalid_message");
        Assert.Equal("message", tooLong.GetProperty("field").GetString());
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/broadcast", new { message = new string('b', 280) }, Ct));
        var other = await SessionKit.FacilitatorAsync(client, Grains, Ct);
        await HttpAssert.ProblemAsync(await other.PostAsync($"/sessions/{code}/broadcast", new { message = "hi" }, Ct), HttpStatusCode.Forbidden, "not_facilitator");
        await HttpAssert.ProblemAsync(await students[0].PostAsync($"/sessions/{code}/broadcast", new { message = "hi" }, Ct), HttpStatusCode.Forbidden, "not_facilitator");

        var actions = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}/actions", Ct));
        Assert.Equal(
            [("broadcast", "Five minutes left", "time"), ("broadcast", new string('b', 280), null)],
            actions.EnumerateArray().Select(a => (a.GetProperty("action").GetString()!, a.GetProperty("message").GetString(), a.GetProperty("reason").GetString())));
    }

    [Fact]
    public async Task Link_states_sent_on_the_voice_socket_show_on_the_monitor_and_bad_ones_get_an_error_not_a_close()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, Grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var students = await SessionKit.EnrolledAsync(client, code, 3, Ct);
        var room = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))[0];
        var roomCode = room.GetProperty("room_code").GetString()!;
        var (a, b) = (students[0], students[1]);

        await using var monitor = await MonitorAsync(monitorGateway, facilitator, code);
        var first = await monitor.NextAsync("room_status", Ct);
        Assert.Equal(0, first.GetProperty("links").GetArrayLength());
        await using var voice = await RealtimeKit.VoiceAsync(gateway, a, roomCode, Ct);
        await voice.SendAsync(new { type = "init" }, Ct);
        await voice.NextAsync("session_state", Ct);

        await voice.SendAsync(new { type = "link_state", peer_user_id = b.UserId, state = "connecting", relayed = false }, Ct);
        await voice.SendAsync(new { type = "link_state", peer_user_id = b.UserId, state = "connected", relayed = true }, Ct);
        JsonElement shown;
        try
        {
            shown = await monitor.NextAsync(
                m => m.GetProperty("type").GetString() == "room_status" && m.GetProperty("links").EnumerateArray().Any(l => l.GetProperty("state").GetString() == "connected"),
                "the link connected",
                Ct);
        }
        catch (TimeoutException e)
        {
            // What both sockets did get says where the link state stopped.
            throw new TimeoutException($"{e.Message} Voice got: {string.Join(" | ", voice.Received)}. Monitor got: {string.Join(" | ", monitor.Received)}", e);
        }

        var link = Assert.Single(shown.GetProperty("links").EnumerateArray());
        Assert.Equal(a.UserId, link.GetProperty("user_id").GetInt64());
        Assert.Equal(b.UserId, link.GetProperty("peer_user_id").GetInt64());
        Assert.True(link.GetProperty("relayed").GetBoolean());

        object[] bad =
        [
            new { type = "link_state", peer_user_id = "x", state = "connected", relayed = false },
            new { type = "link_state", peer_user_id = b.UserId, state = "sideways", relayed = false },
            new { type = "link_state", peer_user_id = b.UserId, state = "connected" },
            new { type = "link_state", peer_user_id = a.UserId, state = "connected", relayed = false },
            new { type = "link_state", peer_user_id = 1, state = "connected", relayed = false },
        ];
        foreach (var message in bad)
        {
            var before = voice.Received.Count(m => m.GetProperty("type").GetString() == "error");
            await voice.SendAsync(message, Ct);
            await voice.UntilAsync(r => r.Count(m => m.GetProperty("type").GetString() == "error") == before + 1, "an error for a bad link_state", Ct);
        }

        Assert.All(voice.Received.Where(m => m.GetProperty("type").GetString() == "error"), e => Assert.Equal("invalid_message", e.GetProperty("code").GetString()));
        await voice.SendAsync(new { type = "ping" }, Ct);
        await voice.NextAsync("pong", Ct);
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, voice.State);

        // Leaving voice ends the sender's links: the monitor shows none.
        await voice.DisposeAsync();
        await monitor.NextAsync(m => m.GetProperty("type").GetString() == "room_status" && m.GetProperty("links").GetArrayLength() == 0, "the links gone with the voice socket", Ct);
    }

    [Fact]
    public async Task A_paused_rooms_seconds_left_stand_at_what_was_left_when_the_pause_began()
    {
        var (facilitator, code, room) = await StartedRoomAsync();
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/pause", new { reason = "a word" }, Ct));

        await using var monitor = await MonitorAsync(monitorGateway, facilitator, code);
        bool Of(JsonElement m, bool paused) =>
            m.GetProperty("type").GetString() == "room_status" && m.GetProperty("room_code").GetString() == room && m.GetProperty("paused").GetBoolean() == paused;
        var held = await monitor.NextAsync(m => Of(m, paused: true), "the paused room", Ct);
        var deadline = held.GetProperty("deadline_at").GetDateTimeOffset();
        var left = deadline - held.GetProperty("paused_at").GetDateTimeOffset();

        // What was left when the pause began, however long ago that was: the deadline stands still from there.
        Assert.InRange(left, TimeSpan.FromSeconds(590), TimeSpan.FromSeconds(600));
        Assert.Equal((int)Math.Ceiling(left.TotalSeconds), held.GetProperty("seconds_left").GetInt32());

        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/resume", null, Ct));
        var running = await monitor.NextAsync(m => Of(m, paused: false), "the resumed room", Ct);
        Assert.Equal(JsonValueKind.Null, running.GetProperty("paused_at").ValueKind);
        Assert.True(running.GetProperty("deadline_at").GetDateTimeOffset() > deadline, "The resume did not move the deadline on by the pause.");
    }

    [Fact]
    public async Task An_action_from_another_device_is_pushed_once_audited_and_the_log_read_upon_the_push_has_its_row()
    {
        var (facilitator, code, room) = await StartedRoomAsync();
        await using var monitor = await MonitorAsync(monitorGateway, facilitator, code);

        // The first room state comes after the monitor registered with the session, so from here no action passes it by.
        await monitor.NextAsync("room_status", Ct);

        // The facilitator's phone, on the other gateway from the console's monitor in cluster mode.
        using var phoneClient = new HttpClient { BaseAddress = gateway };
        var phone = new Player(phoneClient, facilitator.Tokens);
        await PushedWithItsRowAsync(monitor, facilitator, code, phone.PostAsync($"/sessions/{code}/broadcast", new { message = "Two minutes left" }, Ct), "broadcast", room: null);
        await PushedWithItsRowAsync(monitor, facilitator, code, phone.PostAsync($"/sessions/{code}/rooms/{room}/pause", new { reason = "a question" }, Ct), "pause_room", room);

        // Closing enrolment changes no room: nothing but this push tells a console of it.
        await PushedWithItsRowAsync(monitor, facilitator, code, phone.PostAsync($"/sessions/{code}/close", new { }, Ct), "close_session", room: null);
    }

    /// <summary>
    /// Waits for the monitor's <c>facilitator_action</c> while the action's request is still under way, and reads the log at once,
    /// as the console does on that push: the row must be there already (the hints the console had, a room's change or the
    /// broadcast's <c>facilitator_message</c>, came before the row was written, and an action that changes no room gave none).
    /// </summary>
    private static async Task PushedWithItsRowAsync(SocketClient monitor, Player facilitator, string code, Task<HttpResponseMessage> sending, string action, string? room)
    {
        var pushed = await monitor.NextAsync(
            m => m.GetProperty("type").GetString() == "facilitator_action" && m.GetProperty("action").GetString() == action,
            $"a facilitator_action push for {action}",
            Ct);
        var log = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}/actions", Ct));

        Assert.Equal(["action", "at", "room_code", "type"], pushed.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(room, pushed.GetProperty("room_code").GetString());
        Assert.Contains(
            log.EnumerateArray(),
            row => row.GetProperty("action").GetString() == action
                && row.GetProperty("room_code").GetString() == room
                // The table keeps microseconds, the clock has ticks of a tenth of one.
                && (row.GetProperty("occurred_at").GetDateTimeOffset() - pushed.GetProperty("at").GetDateTimeOffset()).Duration() < TimeSpan.FromMicroseconds(1));
        using var answer = await sending;
        answer.EnsureSuccessStatusCode();
    }

    /// <summary>A session of three students (ten minutes to choose) started: its facilitator, its code and its one room.</summary>
    private async Task<(Player Facilitator, string Code, string Room)> StartedRoomAsync()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, Grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, choiceSeconds: 600));
        await SessionKit.EnrolledAsync(client, code, 3, Ct);
        var room = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))[0].GetProperty("room_code").GetString()!;
        return (facilitator, code, room);
    }

    private static Task<SocketClient> MonitorAsync(Uri at, Player facilitator, string code) =>
        SocketClient.ConnectAsync(at, $"/ws/sessions/{code}/monitor?token={facilitator.Tokens.AccessToken}", Ct);
}

public sealed class EmbeddedSessionMonitorTests(KestrelGatewayFixture gateway)
    : SessionMonitorTests(gateway.Address, gateway.Address, gateway.Client, gateway.Services), IClassFixture<KestrelGatewayFixture>;

public sealed class ClusterSessionMonitorTests(ClusterKestrelFixture cluster)
    : SessionMonitorTests(cluster.First, cluster.Second, cluster.Client, cluster.Services), IClassFixture<ClusterKestrelFixture>;
