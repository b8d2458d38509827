using System.Net;
using System.Text.Json;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Sessions;

/// <summary>
/// A facilitator action that took effect and whose audit insert (or answer) was lost is sent again by the facilitator. The end
/// was refused then (409 room_finished) and never audited; an extension moved the deadline a second time; a replayed action was
/// audited twice; a pause, resume or move whose state was reached already was audited again, or refused. Embedded mode, its audit store failing the one insert the test picks.
/// </summary>
public sealed class FacilitatorReplayTests : IAsyncDisposable
{
    private readonly FailingRoomWrites _failing = new();
    private readonly GatewayFactory _gateway;
    private readonly HttpClient _http;

    public FacilitatorReplayTests()
    {
        _gateway = new GatewayFactory(services: s => _failing.AroundAudit(_failing.AroundGameStorage(s)));
        _http = _gateway.CreateClient();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IGrainFactory Grains => _gateway.Services.GetRequiredService<IGrainFactory>();

    [Fact]
    public async Task An_end_whose_audit_failed_answers_as_an_end_when_sent_again_and_is_audited_once()
    {
        var (facilitator, code, room, _) = await StartedAsync();

        _failing.FailNextAudit(code, "end_room");
        await HttpAssert.ProblemAsync(await EndAsync(facilitator, code, room), HttpStatusCode.InternalServerError, "storage_error");
        var ended = await RoomAsync(facilitator, room);
        Assert.Equal("finished", ended.GetProperty("phase").GetString());
        Assert.Empty(await ActionsAsync(facilitator, code));

        await HttpAssert.OkAsync<JsonElement>(await EndAsync(facilitator, code, room));
        await HttpAssert.OkAsync<JsonElement>(await EndAsync(facilitator, code, room));

        var action = Assert.Single(await ActionsAsync(facilitator, code));
        Assert.Equal(("end_room", room, "out of time"), (action.GetProperty("action").GetString(), action.GetProperty("room_code").GetString(), action.GetProperty("reason").GetString()));
        Assert.Equal(ended.GetProperty("ended_early_at").GetDateTimeOffset(), action.GetProperty("occurred_at").GetDateTimeOffset());
        Assert.Equal(facilitator.UserId, (await RoomAsync(facilitator, room)).GetProperty("ended_early_by").GetInt64());
    }

    [Fact]
    public async Task A_room_that_someone_else_ended_is_still_room_finished_to_the_facilitator()
    {
        var (facilitator, code, room, _) = await StartedAsync();
        var admin = new Player(_http, await Roles.NewAccountWithAsync(_http, Grains, "admin", Ct, prefix: "adm"));
        await HttpAssert.OkAsync<JsonElement>(await EndAsync(admin, code, room));

        await HttpAssert.ProblemAsync(await EndAsync(facilitator, code, room), HttpStatusCode.Conflict, "room_finished");

        var action = Assert.Single(await ActionsAsync(facilitator, code));
        Assert.Equal(admin.UserId, action.GetProperty("actor_id").GetInt64());
    }

    [Fact]
    public async Task An_extension_sent_again_with_its_key_after_its_audit_failed_moves_the_deadline_once_and_is_audited_once()
    {
        var (facilitator, code, room, _) = await StartedAsync();
        var before = (await RoomAsync(facilitator, room)).GetProperty("deadline_at").GetDateTimeOffset();

        _failing.FailNextAudit(code, "extend_deadline");
        await HttpAssert.ProblemAsync(await ExtendAsync(facilitator, code, room, 60, "extend-1"), HttpStatusCode.InternalServerError, "storage_error");
        Assert.Equal(before.AddSeconds(60), await DeadlineAsync(facilitator, room));

        await HttpAssert.OkAsync<JsonElement>(await ExtendAsync(facilitator, code, room, 60, "extend-1"));
        await HttpAssert.OkAsync<JsonElement>(await ExtendAsync(facilitator, code, room, 60, "extend-1"));
        Assert.Equal(before.AddSeconds(60), await DeadlineAsync(facilitator, room));
        Assert.Equal(["extend_deadline"], (await ActionsAsync(facilitator, code)).Select(a => a.GetProperty("action").GetString()));

        // Another key is another extension, and another row.
        await HttpAssert.OkAsync<JsonElement>(await ExtendAsync(facilitator, code, room, 60, "extend-2"));
        Assert.Equal(before.AddSeconds(120), await DeadlineAsync(facilitator, room));
        Assert.Equal(["extend_deadline", "extend_deadline"], (await ActionsAsync(facilitator, code)).Select(a => a.GetProperty("action").GetString()));
    }

    [Fact]
    public async Task A_key_sent_with_another_extension_is_refused_and_a_malformed_key_is_a_bad_request()
    {
        var (facilitator, code, room, _) = await StartedAsync();
        var before = (await RoomAsync(facilitator, room)).GetProperty("deadline_at").GetDateTimeOffset();
        await HttpAssert.OkAsync<JsonElement>(await ExtendAsync(facilitator, code, room, 60, "extend-1"));

        var reused = await HttpAssert.ProblemAsync(await ExtendAsync(facilitator, code, room, 90, "extend-1"), HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal("Idempotency-Key", reused.GetProperty("field").GetString());
        var malformed = await HttpAssert.ProblemAsync(await ExtendAsync(facilitator, code, room, 60, new string('k', 129)), HttpStatusCode.BadRequest, "invalid_idempotency_key");
        Assert.Equal("Idempotency-Key", malformed.GetProperty("field").GetString());

        Assert.Equal(before.AddSeconds(60), await DeadlineAsync(facilitator, room));
        Assert.Single(await ActionsAsync(facilitator, code));
    }

    [Fact]
    public async Task A_removal_and_a_bot_sent_again_with_their_keys_answer_as_the_first_time_and_are_audited_once()
    {
        var (facilitator, code, room, students) = await StartedAsync();
        var gone = students[2].UserId;

        foreach (var _ in new[] { 1, 2 })
        {
            await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/remove", new { user_id = gone, reason = "left" }, Ct, "remove-1"));
            await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/bot", new { user_id = gone }, Ct, "bot-1"));
        }

        Assert.Single((await RoomAsync(facilitator, room)).GetProperty("participants").EnumerateArray(), p => p.GetProperty("is_bot").GetBoolean());
        Assert.Equal(["remove_participant", "fill_with_bot"], (await ActionsAsync(facilitator, code)).Select(a => a.GetProperty("action").GetString()));

        // Without its key the bot is a new request, refused as a second bot for the role always was.
        await HttpAssert.ProblemAsync(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/bot", new { user_id = gone }, Ct), HttpStatusCode.Conflict, "seat_filled");
    }

    [Fact]
    public async Task A_pause_sent_again_with_its_key_is_one_audit_row()
    {
        var (facilitator, code, room, _) = await StartedAsync();

        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/pause", new { reason = "too loud" }, Ct, "pause-1"));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/pause", new { reason = "too loud" }, Ct, "pause-1"));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/resume", null, Ct, "resume-1"));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/pause", null, Ct, "pause-all"));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/pause", null, Ct, "pause-all"));

        Assert.Equal(["pause_room", "resume_room", "pause_session"], (await ActionsAsync(facilitator, code)).Select(a => a.GetProperty("action").GetString()));
    }

    /// <summary>
    /// A pause of a room already paused is the state reached, whatever its key: with a new key it was a row of its own,
    /// though it changed nothing. It is audited under the key of the press that paused the room, so its row is written
    /// once, by the next press when the first one's audit failed.
    /// </summary>
    [Fact]
    public async Task A_pause_or_resume_of_a_room_already_so_with_a_new_key_adds_no_row()
    {
        var (facilitator, code, room, _) = await StartedAsync();

        _failing.FailNextAudit(code, "pause_room");
        await HttpAssert.ProblemAsync(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/pause", new { reason = "too loud" }, Ct, "pause-1"), HttpStatusCode.InternalServerError, "storage_error");
        Assert.Empty(await ActionsAsync(facilitator, code));

        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/pause", new { reason = "too loud" }, Ct, "pause-2"));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/pause", new { reason = "still loud" }, Ct, "pause-3"));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/resume", null, Ct, "resume-1"));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/resume", null, Ct, "resume-2"));

        // The press that finds the row missing writes it (with its own reason and time, as an unkeyed one does); no press after.
        Assert.Equal(
            [("pause_room", "too loud"), ("resume_room", null)],
            (await ActionsAsync(facilitator, code)).Select(a => (a.GetProperty("action").GetString(), a.GetProperty("reason").GetString())));
    }

    /// <summary>
    /// Without a key, the whole session's pause or resume was a row per press, changing something or not, and one whose
    /// audit failed was audited by the next press as a second action. A press that changes no room is now the state an
    /// earlier press of the session reached (audited under its key), or nothing to audit.
    /// </summary>
    [Fact]
    public async Task An_unkeyed_pause_of_the_whole_session_pressed_again_is_audited_once_and_one_that_changes_nothing_is_not()
    {
        var (facilitator, code, room, _) = await StartedAsync();

        _failing.FailNextAudit(code, "pause_session");
        await HttpAssert.ProblemAsync(await facilitator.PostAsync($"/sessions/{code}/pause", new { reason = "fire drill" }, Ct), HttpStatusCode.InternalServerError, "storage_error");
        Assert.True((await RoomAsync(facilitator, room)).GetProperty("paused").GetBoolean());
        Assert.Empty(await ActionsAsync(facilitator, code));

        foreach (var _ in new[] { 1, 2 })
        {
            await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/pause", new { reason = "fire drill" }, Ct));
        }

        foreach (var _ in new[] { 1, 2 })
        {
            await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/resume", null, Ct));
        }

        // The room paused by its own press: the session's pause finds every room so, and the room's row is the only one.
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/pause", null, Ct));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/pause", null, Ct));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/pause", null, Ct, "pause-all"));

        Assert.True((await RoomAsync(facilitator, room)).GetProperty("paused").GetBoolean());
        Assert.Equal(
            [("pause_session", "fire drill"), ("resume_session", null), ("pause_room", null)],
            (await ActionsAsync(facilitator, code)).Select(a => (a.GetProperty("action").GetString(), a.GetProperty("reason").GetString())));
    }

    /// <summary>
    /// Without a key, a pause or resume of a room already so was a row each time, though nothing changed; the first one's
    /// audit, when it failed, is still written by the next press.
    /// </summary>
    [Fact]
    public async Task An_unkeyed_pause_or_resume_of_a_room_already_so_answers_and_is_audited_once()
    {
        var (facilitator, code, room, _) = await StartedAsync();

        _failing.FailNextAudit(code, "pause_room");
        await HttpAssert.ProblemAsync(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/pause", new { reason = "too loud" }, Ct), HttpStatusCode.InternalServerError, "storage_error");
        Assert.True((await RoomAsync(facilitator, room)).GetProperty("paused").GetBoolean());
        Assert.Empty(await ActionsAsync(facilitator, code));

        foreach (var _ in new[] { 1, 2 })
        {
            await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/pause", new { reason = "too loud" }, Ct));
        }

        foreach (var _ in new[] { 1, 2 })
        {
            await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/resume", null, Ct));
        }

        Assert.False((await RoomAsync(facilitator, room)).GetProperty("paused").GetBoolean());
        Assert.Equal(
            [("pause_room", "too loud"), ("resume_room", null)],
            (await ActionsAsync(facilitator, code)).Select(a => (a.GetProperty("action").GetString(), a.GetProperty("reason").GetString())));
    }

    /// <summary>A room paused by the whole session's pause got a row of its own when its pause was pressed, changing nothing.</summary>
    [Fact]
    public async Task An_unkeyed_pause_of_a_room_the_session_paused_is_not_audited_but_its_resume_is()
    {
        var (facilitator, code, room, _) = await StartedAsync();

        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/pause", null, Ct));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/pause", null, Ct));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/resume", null, Ct));

        Assert.False((await RoomAsync(facilitator, room)).GetProperty("paused").GetBoolean());
        Assert.Equal(["pause_session", "resume_room"], (await ActionsAsync(facilitator, code)).Select(a => a.GetProperty("action").GetString()));
    }

    /// <summary>
    /// A move that completed, sent again without a key (its answer lost), was refused (409 not_movable) and, when its audit
    /// had failed, never audited.
    /// </summary>
    [Fact]
    public async Task A_move_sent_again_without_a_key_answers_as_the_first_and_is_audited_once()
    {
        var (facilitator, code, room, waiting, mover, late) = await MovedWithItsAuditFailedAsync(key: null);

        foreach (var _ in new[] { 1, 2 })
        {
            var again = await HttpAssert.OkAsync<JsonElement>(await MoveAsync(facilitator, code, room, mover.UserId, waiting, key: null));
            Assert.Contains(mover.UserId, SessionKit.UserIds(SessionKit.Rooms(again).Single(r => r.GetProperty("room_code").GetString() == waiting)));
            Assert.DoesNotContain(mover.UserId, SessionKit.UserIds(SessionKit.Rooms(again).Single(r => r.GetProperty("room_code").GetString() == room)));
        }

        Assert.Single((await RoomAsync(facilitator, waiting)).GetProperty("participants").EnumerateArray(), p => p.GetProperty("user_id").GetInt64() == mover.UserId);
        await AssertMovedOnceAsync(facilitator, code, room, waiting, mover);

        // Someone the move did not take there is refused as ever: the late arrival sits in the waiting room, never moved.
        await HttpAssert.ProblemAsync(await MoveAsync(facilitator, code, room, late.UserId, waiting, key: null), HttpStatusCode.NotFound, "participant_not_found");
    }

    /// <summary>A move that completed, its audit lost, was refused when sent again (409 not_movable) and never audited.</summary>
    [Fact]
    public async Task A_move_sent_again_with_its_key_after_its_audit_failed_answers_as_the_first_and_is_audited_once()
    {
        var (facilitator, code, room, waiting, mover, _) = await MovedWithItsAuditFailedAsync("move-1");

        var again = await HttpAssert.OkAsync<JsonElement>(await MoveAsync(facilitator, code, room, mover.UserId, waiting, "move-1"));
        Assert.Contains(mover.UserId, SessionKit.UserIds(SessionKit.Rooms(again).Single(r => r.GetProperty("room_code").GetString() == waiting)));
        await HttpAssert.OkAsync<JsonElement>(await MoveAsync(facilitator, code, room, mover.UserId, waiting, "move-1"));
        await AssertMovedOnceAsync(facilitator, code, room, waiting, mover);

        // Without its key, the move is found done all the same: answered, and not audited again.
        await HttpAssert.OkAsync<JsonElement>(await MoveAsync(facilitator, code, room, mover.UserId, waiting, key: null));
        Assert.Single(await ActionsAsync(facilitator, code));
    }

    /// <summary>
    /// A started room and a waiting room with one late arrival; the room's first student moved into the waiting room (under
    /// <paramref name="key"/>), the move answered 500 because its audit failed.
    /// </summary>
    private async Task<(Player Facilitator, string Code, string Room, string Waiting, Player Mover, Player Late)> MovedWithItsAuditFailedAsync(string? key)
    {
        var (facilitator, code, room, students) = await StartedAsync();
        var late = Assert.Single(await SessionKit.EnrolledAsync(_http, code, 1, Ct));
        var waiting = await SeatOfAsync(late, code);
        var mover = students[0];

        _failing.FailNextAudit(code, "move_participant");
        await HttpAssert.ProblemAsync(await MoveAsync(facilitator, code, room, mover.UserId, waiting, key), HttpStatusCode.InternalServerError, "storage_error");
        Assert.Equal(waiting, await SeatOfAsync(mover, code));
        Assert.Empty(await ActionsAsync(facilitator, code));
        return (facilitator, code, room, waiting, mover, late);
    }

    private static async Task AssertMovedOnceAsync(Player facilitator, string code, string from, string to, Player mover)
    {
        var action = Assert.Single(await ActionsAsync(facilitator, code));
        Assert.Equal(
            ("move_participant", from, to, mover.UserId),
            (action.GetProperty("action").GetString(), action.GetProperty("room_code").GetString(), action.GetProperty("to_room_code").GetString(), action.GetProperty("user_id").GetInt64()));
    }

    /// <summary>A started session of three: one room, playing, with a choice deadline running.</summary>
    private async Task<(Player Facilitator, string Code, string Room, Player[] Students)> StartedAsync()
    {
        var facilitator = await SessionKit.FacilitatorAsync(_http, Grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, choiceSeconds: 600));
        var students = await SessionKit.EnrolledAsync(_http, code, 3, Ct);
        var room = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))[0].GetProperty("room_code").GetString()!;
        return (facilitator, code, room, students);
    }

    private static Task<HttpResponseMessage> EndAsync(Player facilitator, string code, string room) =>
        facilitator.PostAsync($"/sessions/{code}/rooms/{room}/end", new { reason = "out of time" }, Ct);

    private static Task<HttpResponseMessage> ExtendAsync(Player facilitator, string code, string room, int seconds, string key) =>
        facilitator.PostAsync($"/sessions/{code}/rooms/{room}/extend", new { seconds }, Ct, key);

    private static Task<HttpResponseMessage> MoveAsync(Player facilitator, string code, string from, long userId, string to, string? key) =>
        facilitator.PostAsync($"/sessions/{code}/rooms/{from}/move", new { user_id = userId, to_room_code = to }, Ct, key);

    private static async Task<string> SeatOfAsync(Player student, string code) =>
        (await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(student, code, Ct))).GetProperty("room_code").GetString()!;

    private static async Task<JsonElement> RoomAsync(Player player, string room) =>
        await HttpAssert.OkAsync<JsonElement>(await player.GetAsync($"/rooms/{room}", Ct));

    private static async Task<DateTimeOffset> DeadlineAsync(Player player, string room) =>
        (await RoomAsync(player, room)).GetProperty("deadline_at").GetDateTimeOffset();

    private static async Task<List<JsonElement>> ActionsAsync(Player facilitator, string code) =>
        (await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}/actions", Ct))).EnumerateArray().ToList();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }
}
