using System.Net;
using System.Text.Json;
using Dilemma.Grains.Research;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// Round deadlines against the room's clock, moved on by the test while timers stay on the real one. A deadline holds
/// from its time, not from when its reminder fires (after a silo is lost the reminder comes up to a minute late): a
/// choice past it is refused and the late seats are timed out. And a paused room's deadline stands still, once, whatever
/// paused it: a <c>wait</c> for a dropped participant, the session's facilitator, or both at once.
/// </summary>
public sealed class DeadlineClockTests : IAsyncDisposable
{
    private readonly ShiftedClock _clock = new();
    private readonly GatewayFactory _gateway;
    private readonly HttpClient _http;

    public DeadlineClockTests()
    {
        _gateway = new GatewayFactory(services: s => s.AddSingleton<TimeProvider>(_clock));
        _http = _gateway.CreateClient();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_choice_after_the_deadline_whose_reminder_has_not_fired_is_refused_and_the_late_seats_are_timed_out()
    {
        var players = await RoomKit.GuestsAsync(_http, 3, Ct);
        var code = RoomKit.Code(await HttpAssert.OkAsync<JsonElement>(
            await players[0].PostAsync("/rooms/private", new { title = "timed", topic = RoomKit.Topic, choice_seconds = 600 }, Ct),
            HttpStatusCode.Created));
        await RoomKit.JoinAsync(players[1], code, Ct);
        await RoomKit.JoinAsync(players[2], code, Ct);
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/assign-roles/{code}", new { }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 1, 1, 3, Ct), HttpStatusCode.Created);
        Assert.False((await RoomAsync(players[0], code)).GetProperty("choices_closed").GetBoolean());

        // Eleven minutes on by the room's clock; the reminder, on the real one, is ten minutes away.
        _clock.Shift = TimeSpan.FromMinutes(11);

        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(players[1], code, 1, 0, 4, Ct), HttpStatusCode.Conflict, "choices_closed");
        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(JsonValueKind.Null, room.GetProperty("deadline_kind").ValueKind);

        // Said by the room too: a page opened now (the deadline gone with its kind) knows it offers no choice.
        Assert.True(room.GetProperty("choices_closed").GetBoolean());
        var timedOut = _gateway.Services.GetRequiredService<InMemoryResearchStore>().RoomEvents(code)
            .Where(e => e.EventType == RoomEventType.TimedOut).Select(e => e.UserId!.Value).Order();
        Assert.Equal(new[] { players[1].UserId, players[2].UserId }.Order(), timedOut);

        // The consensus is open with the one choice made in time; the next round's choices are open.
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 1, 1, 4, Ct), HttpStatusCode.Created);
        Assert.False((await RoomAsync(players[0], code)).GetProperty("choices_closed").GetBoolean());
    }

    [Fact]
    public async Task A_wait_rooms_deadline_moves_on_by_the_time_it_waited_for_a_dropped_participant()
    {
        var players = await RoomKit.GuestsAsync(_http, 3, Ct);
        var code = RoomKit.Code(await HttpAssert.OkAsync<JsonElement>(
            await players[0].PostAsync("/rooms/private", new { title = "timed", topic = RoomKit.Topic, choice_seconds = 600, on_dropout = "wait" }, Ct),
            HttpStatusCode.Created));
        await RoomKit.JoinAsync(players[1], code, Ct);
        await RoomKit.JoinAsync(players[2], code, Ct);
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/assign-roles/{code}", new { }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        var deadline = (await RoomAsync(players[0], code)).GetProperty("deadline_at").GetDateTimeOffset();

        // One leaves: the room waits for them, for seven minutes of its clock, until the host takes the seat out.
        Assert.Equal(HttpStatusCode.NoContent, (await players[2].PostAsync($"/rooms/{code}/leave", null, Ct)).StatusCode);
        Assert.True((await RoomAsync(players[0], code)).GetProperty("paused").GetBoolean());
        _clock.Shift = TimeSpan.FromMinutes(7);
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/remove", new { user_id = players[2].UserId }, Ct));

        var resumed = await RoomAsync(players[0], code);
        Assert.False(resumed.GetProperty("paused").GetBoolean());
        Assert.Equal("choice", resumed.GetProperty("deadline_kind").GetString());
        var moved = resumed.GetProperty("deadline_at").GetDateTimeOffset() - deadline;
        Assert.InRange(moved, TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(7) + TimeSpan.FromSeconds(5));

        // And the round is open: the seven minutes did not use up its ten.
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 1, 1, 3, Ct), HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_wait_and_a_facilitators_pause_that_overlap_move_the_deadline_by_the_time_either_held_it()
    {
        var facilitator = await SessionKit.FacilitatorAsync(_http, _gateway.Services.GetRequiredService<IGrainFactory>(), Ct);
        var session = SessionKit.Code(await HttpAssert.OkAsync<JsonElement>(
            await facilitator.PostAsync("/sessions", new { title = "Overlap", topic = RoomKit.Topic, study_label = "clock", on_dropout = "wait", choice_seconds = 600 }, Ct),
            HttpStatusCode.Created));
        var students = await SessionKit.EnrolledAsync(_http, session, 3, Ct);
        var code = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, session, Ct))[0].GetProperty("room_code").GetString()!;
        var deadline = (await RoomAsync(facilitator, code)).GetProperty("deadline_at").GetDateTimeOffset();

        // The room waits from minute 0; the facilitator pauses it at 2; the seat is removed at 5; the facilitator resumes at 8.
        Assert.Equal(HttpStatusCode.NoContent, (await students[2].PostAsync($"/rooms/{code}/leave", null, Ct)).StatusCode);
        _clock.Shift = TimeSpan.FromMinutes(2);
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{session}/rooms/{code}/pause", new { reason = "a word" }, Ct));
        _clock.Shift = TimeSpan.FromMinutes(5);
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{session}/rooms/{code}/remove", new { user_id = students[2].UserId }, Ct));
        var held = await RoomAsync(facilitator, code);
        Assert.True(held.GetProperty("paused").GetBoolean());

        // Held since the wait began at minute 0, with the round's ten minutes (less the moment before the leave) still to come.
        var left = held.GetProperty("deadline_at").GetDateTimeOffset() - held.GetProperty("paused_at").GetDateTimeOffset();
        Assert.InRange(left, TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10));
        _clock.Shift = TimeSpan.FromMinutes(8);
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{session}/rooms/{code}/resume", null, Ct));

        var resumed = await RoomAsync(facilitator, code);
        Assert.False(resumed.GetProperty("paused").GetBoolean());
        Assert.Equal(JsonValueKind.Null, resumed.GetProperty("paused_at").ValueKind);
        var moved = resumed.GetProperty("deadline_at").GetDateTimeOffset() - deadline;
        Assert.InRange(moved, TimeSpan.FromMinutes(8), TimeSpan.FromMinutes(8) + TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_consensus_deadline_opened_during_a_pause_keeps_its_whole_time_after_it()
    {
        var facilitator = await SessionKit.FacilitatorAsync(_http, _gateway.Services.GetRequiredService<IGrainFactory>(), Ct);
        var session = SessionKit.Code(await HttpAssert.OkAsync<JsonElement>(
            await facilitator.PostAsync("/sessions", new { title = "Opened paused", topic = RoomKit.Topic, study_label = "clock", on_dropout = "continue", choice_seconds = 600, consensus_seconds = 60 }, Ct),
            HttpStatusCode.Created));
        var students = await SessionKit.EnrolledAsync(_http, session, 3, Ct);
        var code = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, session, Ct))[0].GetProperty("room_code").GetString()!;
        var seated = await RoomAsync(facilitator, code);
        var inRoom = students.Where(s => seated.GetProperty("participants").EnumerateArray().Any(p => p.GetProperty("user_id").GetInt64() == s.UserId)).ToList();
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(inRoom[0], code, 1, 0, 3, Ct), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(inRoom[1], code, 1, 1, 3, Ct), HttpStatusCode.Created);

        // Paused at minute 1; at 5 the last chooser's seat is removed, which opens the consensus; resumed at 9.
        _clock.Shift = TimeSpan.FromMinutes(1);
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{session}/rooms/{code}/pause", new { reason = "a word" }, Ct));
        _clock.Shift = TimeSpan.FromMinutes(5);
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{session}/rooms/{code}/remove", new { user_id = inRoom[2].UserId }, Ct));
        var opened = await RoomAsync(facilitator, code);
        Assert.Equal("consensus", opened.GetProperty("deadline_kind").GetString());
        Assert.Equal(TimeSpan.FromSeconds(60), opened.GetProperty("deadline_at").GetDateTimeOffset() - opened.GetProperty("paused_at").GetDateTimeOffset());
        _clock.Shift = TimeSpan.FromMinutes(9);
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{session}/rooms/{code}/resume", null, Ct));
        var resumedAt = _clock.GetUtcNow();

        var resumed = await RoomAsync(facilitator, code);
        Assert.Equal("consensus", resumed.GetProperty("deadline_kind").GetString());
        var left = resumed.GetProperty("deadline_at").GetDateTimeOffset() - resumedAt;
        Assert.InRange(left, TimeSpan.FromSeconds(55), TimeSpan.FromSeconds(60));
    }

    private static async Task<JsonElement> RoomAsync(Player player, string code) =>
        await HttpAssert.OkAsync<JsonElement>(await player.GetAsync($"/rooms/{code}", Ct));

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }
}
