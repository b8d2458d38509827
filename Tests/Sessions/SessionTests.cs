using System.Net;
using System.Text.Json;
using Dilemma.Grains.Interfaces.Consent;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Sessions;
using Dilemma.Grains.Sessions;
using Dilemma.Grains.Storage;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Dilemma.Tests.Sessions;

/// <summary>
/// A facilitator runs a class: a session with an unguessable code, students enrol with consent, the
/// start groups them into rooms of three that begin together, and the one or two left over follow the
/// session's rule. Runs embedded and in cluster mode (MariaDB, Redis).
/// </summary>
public abstract class SessionTests(HttpClient client, IGrainFactory grains, IServiceProvider silo)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_student_who_leaves_the_pool_before_the_start_is_not_seated_and_one_seated_already_is_told_to_leave_from_the_room()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var students = await SessionKit.EnrolledAsync(client, code, 4, Ct);
        var gone = students[3];

        Assert.Equal(HttpStatusCode.NoContent, (await gone.DeleteAsync($"/sessions/{code}/enrol", Ct)).StatusCode);
        // Again, or by someone never enrolled: nothing to do, the same answer.
        Assert.Equal(HttpStatusCode.NoContent, (await gone.DeleteAsync($"/sessions/{code}/enrol", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await facilitator.DeleteAsync($"/sessions/{code}/enrol", Ct)).StatusCode);
        var pooled = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}", Ct));
        Assert.Equal(students[..3].Select(s => s.UserId).Order(), pooled.GetProperty("pool").EnumerateArray().Select(id => id.GetInt64()).Order());

        // By name too, in the order they came, under the names their room will seat them with (one gave a nickname).
        Assert.Equal(HttpStatusCode.NoContent, (await students[1].DeleteAsync($"/sessions/{code}/enrol", Ct)).StatusCode);
        await HttpAssert.OkAsync<JsonElement>(await students[1].PostAsync($"/sessions/{code}/enrol", new { consent_version = ConsentTexts.Current, nickname = " Bea " }, Ct));
        var members = (await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}", Ct))).GetProperty("pool_members").EnumerateArray().ToList();
        Assert.Equal([students[0].UserId, students[2].UserId, students[1].UserId], members.Select(m => m.GetProperty("user_id").GetInt64()));
        Assert.Equal("Bea", members[2].GetProperty("nickname").GetString());
        Assert.True(members[0].GetProperty("enrolled_at").GetDateTimeOffset() <= members[2].GetProperty("enrolled_at").GetDateTimeOffset());

        // The start seats the three who stayed, in one full room, and nobody waits on the one who left.
        var room = Assert.Single(SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct)));
        Assert.Equal(students[..3].Select(s => s.UserId).Order(), SessionKit.UserIds(room).Order());
        Assert.True(room.GetProperty("started").GetBoolean());
        var seated = (await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/rooms/{room.GetProperty("room_code").GetString()}", Ct)))
            .GetProperty("participants").EnumerateArray().ToDictionary(p => p.GetProperty("user_id").GetInt64(), p => p.GetProperty("nickname").GetString());
        Assert.All(members, m => Assert.Equal(seated[m.GetProperty("user_id").GetInt64()], m.GetProperty("nickname").GetString()));

        await HttpAssert.ProblemAsync(await students[0].DeleteAsync($"/sessions/{code}/enrol", Ct), HttpStatusCode.Conflict, "already_seated");
        await HttpAssert.ProblemAsync(await students[0].DeleteAsync("/sessions/ZZZZZZZZZZ/enrol", Ct), HttpStatusCode.NotFound, "session_not_found");
    }

    [Fact]
    public async Task Thirty_students_start_as_ten_rooms_of_three_with_roles_and_round_one_open()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var students = await SessionKit.EnrolledAsync(client, code, 30, Ct);
        var pooled = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}", Ct));
        Assert.Equal(30, pooled.GetProperty("pool").GetArrayLength());

        var session = await SessionKit.StartAsync(facilitator, code, Ct);

        Assert.Equal("started", session.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, session.GetProperty("remainder").ValueKind);
        Assert.Equal(0, session.GetProperty("pool").GetArrayLength());
        var rooms = SessionKit.Rooms(session);
        Assert.Equal(10, rooms.Count);
        Assert.Equal(students.Select(s => s.UserId).Order(), rooms.SelectMany(SessionKit.UserIds).Order());
        foreach (var listed in rooms)
        {
            Assert.True(listed.GetProperty("started").GetBoolean());
            var room = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/rooms/{listed.GetProperty("room_code").GetString()}", Ct));
            Assert.Equal("started", room.GetProperty("phase").GetString());
            Assert.Equal(1, room.GetProperty("current_round").GetInt32());
            var participants = room.GetProperty("participants").EnumerateArray().ToList();
            Assert.Equal(SessionKit.UserIds(listed).Order(), participants.Select(p => p.GetProperty("user_id").GetInt64()).Order());
            Assert.Equal([1, 2, 3], participants.Select(p => p.GetProperty("role_id").GetInt32()).Order());
        }

        // A student finds their room by enrolling again, and plays in it.
        var seat = await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(students[0], code, Ct));
        var roomCode = seat.GetProperty("room_code").GetString()!;
        Assert.Contains(students[0].UserId, SessionKit.UserIds(rooms.Single(r => r.GetProperty("room_code").GetString() == roomCode)));
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(students[0], roomCode, 1, 0, 3, Ct), HttpStatusCode.Created);
        await HttpAssert.ProblemAsync(await facilitator.PostAsync($"/sessions/{code}/start", new { }, Ct), HttpStatusCode.Conflict, "session_started");
    }

    [Fact]
    public async Task Thirty_one_under_pair_make_nine_rooms_of_three_and_two_of_two()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, remainderRule: "pair"));
        await SessionKit.EnrolledAsync(client, code, 31, Ct);

        var session = await SessionKit.StartAsync(facilitator, code, Ct);

        var rooms = SessionKit.Rooms(session);
        Assert.Equal([2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3], rooms.Select(r => SessionKit.UserIds(r).Count).Order());
        Assert.All(rooms, r => Assert.True(r.GetProperty("started").GetBoolean()));
        var remainder = session.GetProperty("remainder");
        Assert.Equal("pair", remainder.GetProperty("rule").GetString());
        Assert.Equal("pairs", remainder.GetProperty("outcome").GetString());
        Assert.Equal(2, remainder.GetProperty("room_codes").GetArrayLength());
        var pair = rooms.First(r => SessionKit.UserIds(r).Count == 2);
        var room = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/rooms/{pair.GetProperty("room_code").GetString()}", Ct));
        Assert.Equal("started", room.GetProperty("phase").GetString());
        Assert.Equal(2, room.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("role_id").GetInt32()).Distinct().Count());
    }

    [Fact]
    public async Task Thirty_one_under_bots_fill_the_last_room_with_two_bots()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, remainderRule: "bots", botsAllowed: true));
        await SessionKit.EnrolledAsync(client, code, 31, Ct);

        var session = await SessionKit.StartAsync(facilitator, code, Ct);

        var rooms = SessionKit.Rooms(session);
        Assert.Equal(11, rooms.Count);
        var filled = Assert.Single(rooms, r => r.GetProperty("bots").GetInt32() > 0);
        Assert.Equal(2, filled.GetProperty("bots").GetInt32());
        Assert.Equal("bots", session.GetProperty("remainder").GetProperty("outcome").GetString());
        var room = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/rooms/{filled.GetProperty("room_code").GetString()}", Ct));
        Assert.Equal("started", room.GetProperty("phase").GetString());
        var participants = room.GetProperty("participants").EnumerateArray().ToList();
        Assert.Equal(2, participants.Count(p => p.GetProperty("is_bot").GetBoolean()));
        Assert.Equal([1, 2, 3], participants.Select(p => p.GetProperty("role_id").GetInt32()).Order());
    }

    [Fact]
    public async Task Thirty_two_under_wait_leave_a_waiting_room_that_a_late_arrival_starts()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var students = await SessionKit.EnrolledAsync(client, code, 32, Ct);

        var session = await SessionKit.StartAsync(facilitator, code, Ct);

        var remainder = session.GetProperty("remainder");
        Assert.Equal("waiting", remainder.GetProperty("outcome").GetString());
        Assert.Equal(2, remainder.GetProperty("user_ids").GetArrayLength());
        var waitingCode = session.GetProperty("waiting_room").GetString()!;
        Assert.Equal([waitingCode], remainder.GetProperty("room_codes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(10, SessionKit.Rooms(session).Count(r => r.GetProperty("started").GetBoolean()));
        var waiting = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/rooms/{waitingCode}", Ct));
        Assert.Equal("waiting", waiting.GetProperty("phase").GetString());

        var late = await RoomKit.GuestAsync(client, Ct);
        var seat = await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(late, code, Ct));

        Assert.Equal(waitingCode, seat.GetProperty("room_code").GetString());
        var started = await HttpAssert.OkAsync<JsonElement>(await late.GetAsync($"/rooms/{waitingCode}", Ct));
        Assert.Equal("started", started.GetProperty("phase").GetString());
        Assert.Equal([1, 2, 3], started.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("role_id").GetInt32()).Order());
        var after = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}", Ct));
        Assert.Equal(JsonValueKind.Null, after.GetProperty("waiting_room").ValueKind);
        Assert.Equal(33, SessionKit.Rooms(after).Sum(r => SessionKit.UserIds(r).Count));
        var leftOver = remainder.GetProperty("user_ids").EnumerateArray().Select(u => u.GetInt64());
        Assert.Equal(leftOver.Append(late.UserId).Order(), SessionKit.UserIds(SessionKit.Rooms(after).Single(r => r.GetProperty("room_code").GetString() == waitingCode)).Order());
        Assert.Equal(students.Select(s => s.UserId).Append(late.UserId).Order(), SessionKit.Rooms(after).SelectMany(SessionKit.UserIds).Order());
    }

    [Fact]
    public async Task A_late_arrival_whose_waiting_room_closed_is_seated_in_a_new_one()
    {
        var (facilitator, code, _, _, closed, lone) = await StartedWithOneLeftOverAsync();

        // The one student waiting leaves: the room closes behind its last participant.
        Assert.Equal(HttpStatusCode.NoContent, (await lone.PostAsync($"/rooms/{closed}/leave", null, Ct)).StatusCode);
        await HttpAssert.ProblemAsync(await facilitator.GetAsync($"/rooms/{closed}", Ct), HttpStatusCode.NotFound, "room_not_found");

        var late = await RoomKit.GuestAsync(client, Ct);
        var seat = await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(late, code, Ct));

        var fresh = seat.GetProperty("room_code").GetString()!;
        Assert.NotEqual(closed, fresh);
        var room = await HttpAssert.OkAsync<JsonElement>(await late.GetAsync($"/rooms/{fresh}", Ct));
        Assert.Equal("waiting", room.GetProperty("phase").GetString());
        Assert.Equal([late.UserId], room.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("user_id").GetInt64()));
        var after = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}", Ct));
        Assert.Equal(fresh, after.GetProperty("waiting_room").GetString());

        // The next one joins them there.
        var next = await RoomKit.GuestAsync(client, Ct);
        Assert.Equal(fresh, (await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(next, code, Ct))).GetProperty("room_code").GetString());
    }

    [Fact]
    public async Task A_student_who_left_their_room_before_its_game_began_is_seated_again_on_enrolling_and_one_who_dropped_out_of_a_game_is_not()
    {
        var (facilitator, code, students, session, closed, lone) = await StartedWithOneLeftOverAsync();
        var playing = SessionKit.Rooms(session).Single(r => r.GetProperty("started").GetBoolean());
        var dropout = students.First(s => s.UserId != lone.UserId);

        // The student left over tires of waiting and leaves; their room closes behind them. Before, enrolling again answered
        // that closed room, which the page could not open: the student was out of the class for good.
        Assert.Equal(HttpStatusCode.NoContent, (await lone.PostAsync($"/rooms/{closed}/leave", null, Ct)).StatusCode);
        var back = (await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(lone, code, Ct))).GetProperty("room_code").GetString()!;
        Assert.NotEqual(closed, back);
        var room = await HttpAssert.OkAsync<JsonElement>(await lone.GetAsync($"/rooms/{back}", Ct));
        Assert.Equal([lone.UserId], room.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("user_id").GetInt64()));
        var after = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}", Ct));
        Assert.Equal(back, after.GetProperty("waiting_room").GetString());
        Assert.Equal(4, SessionKit.Rooms(after).Sum(r => SessionKit.UserIds(r).Count));
        Assert.DoesNotContain(lone.UserId, SessionKit.UserIds(SessionKit.Rooms(after).Single(r => r.GetProperty("room_code").GetString() == closed)));

        // Asking again is the same seat; a late arrival sits beside them.
        Assert.Equal(back, (await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(lone, code, Ct))).GetProperty("room_code").GetString());
        var late = await RoomKit.GuestAsync(client, Ct);
        Assert.Equal(back, (await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(late, code, Ct))).GetProperty("room_code").GetString());

        // Leaving a game under way is a dropout, not a way into a second game: enrolling again answers the same room.
        var playingCode = playing.GetProperty("room_code").GetString()!;
        Assert.Equal(HttpStatusCode.NoContent, (await dropout.PostAsync($"/rooms/{playingCode}/leave", null, Ct)).StatusCode);
        Assert.Equal(playingCode, (await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(dropout, code, Ct))).GetProperty("room_code").GetString());
    }

    /// <summary>Four students started under <c>wait</c>: one room playing, and one student left over alone in the session's waiting room.</summary>
    private async Task<(Player Facilitator, string Code, Player[] Students, JsonElement Session, string WaitingRoom, Player LeftOver)> StartedWithOneLeftOverAsync()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var students = await SessionKit.EnrolledAsync(client, code, 4, Ct);
        var session = await SessionKit.StartAsync(facilitator, code, Ct);
        var waiting = session.GetProperty("waiting_room").GetString()!;
        var leftOver = students.Single(s => SessionKit.UserIds(SessionKit.Rooms(session).Single(r => r.GetProperty("room_code").GetString() == waiting)).Contains(s.UserId));
        return (facilitator, code, students, session, waiting, leftOver);
    }

    [Fact]
    public async Task A_blank_nickname_is_refused_at_enrolment_so_it_cannot_fail_the_start()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var blank = await RoomKit.GuestAsync(client, Ct);

        var refused = await HttpAssert.ProblemAsync(
            await blank.PostAsync($"/sessions/{code}/enrol", new { consent_version = ConsentTexts.Current, nickname = "   " }, Ct),
            HttpStatusCode.UnprocessableEntity,
            "invalid_nickname");
        Assert.Equal("nickname", refused.GetProperty("field").GetString());

        // Not enrolled: the start groups the three who are, and nobody's room fails to open.
        await SessionKit.EnrolledAsync(client, code, 3, Ct);
        var session = await SessionKit.StartAsync(facilitator, code, Ct);
        Assert.Equal(3, SessionKit.Rooms(session).Sum(r => SessionKit.UserIds(r).Count));
        Assert.DoesNotContain(blank.UserId, SessionKit.Rooms(session).SelectMany(SessionKit.UserIds));
        Assert.All(SessionKit.Rooms(session), r => Assert.True(r.GetProperty("started").GetBoolean()));
    }

    [Fact]
    public async Task A_session_has_an_unguessable_code_a_join_link_and_its_qr_code()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var session = await SessionKit.CreateAsync(facilitator, Ct);
        var code = SessionKit.Code(session);

        Assert.Matches("^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}$", code);
        Assert.EndsWith($"/?session={code}", session.GetProperty("join_link").GetString(), StringComparison.Ordinal);
        Assert.Equal("ethics-101", session.GetProperty("study_label").GetString());
        var qr = await facilitator.GetAsync(session.GetProperty("qr_svg_path").GetString()!, Ct);
        Assert.Equal(HttpStatusCode.OK, qr.StatusCode);
        Assert.Equal("image/svg+xml", qr.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<svg", await qr.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enrolment_needs_the_sessions_consent_version()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var student = await RoomKit.GuestAsync(client, Ct);

        var refused = await HttpAssert.ProblemAsync(await student.PostAsync($"/sessions/{code}/enrol", null, Ct), HttpStatusCode.Forbidden, "consent_required");
        Assert.Equal("consent_version", refused.GetProperty("field").GetString());
        await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(student, code, Ct));

        // Granted once, it holds: enrolling again needs no consent in the body.
        await HttpAssert.OkAsync<JsonElement>(await student.PostAsync($"/sessions/{code}/enrol", null, Ct));

        // Withdrawn, it no longer does, though the account still remembers the version last granted.
        await Research.ResearchKit.ConsentAsync(student, data: false, Ct);
        var next = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        await HttpAssert.ProblemAsync(await student.PostAsync($"/sessions/{next}/enrol", null, Ct), HttpStatusCode.Forbidden, "consent_required");
        await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(student, next, Ct));
        await HttpAssert.ProblemAsync(await student.PostAsync("/sessions/ABCDEFGHJ0/enrol", null, Ct), HttpStatusCode.BadRequest, "invalid_session_code");
    }

    /// <summary>
    /// Where voice is required, a student who consents to data use under the session's text and leaves voice recording out
    /// is refused at the voice consent, the one box left to tick; it named consent_version, which they had sent.
    /// </summary>
    [Fact]
    public async Task A_voice_consent_left_out_where_voice_is_required_is_the_field_refused()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var session = await HttpAssert.OkAsync<JsonElement>(
            await facilitator.PostAsync("/sessions", new { title = "Voice class", topic = RoomKit.Topic, voice = "required" }, Ct), HttpStatusCode.Created);
        var code = SessionKit.Code(session);
        var student = await RoomKit.GuestAsync(client, Ct);

        var refused = await HttpAssert.ProblemAsync(await SessionKit.EnrolAsync(student, code, Ct), HttpStatusCode.Forbidden, "consent_required");
        Assert.Equal("voice_consent", refused.GetProperty("field").GetString());
        var other = await HttpAssert.ProblemAsync(await student.PostAsync($"/sessions/{code}/enrol", new { voice_consent = true }, Ct), HttpStatusCode.Forbidden, "consent_required");
        Assert.Equal("consent_version", other.GetProperty("field").GetString());
    }

    /// <summary>
    /// Enrolling again was answered before its body was looked at: an unpublished consent version got 200, and the voice
    /// consent and nickname it carried were dropped without a word.
    /// </summary>
    [Fact]
    public async Task Enrolling_again_is_checked_and_applied_as_a_first_enrolment_and_a_change_once_seated_is_refused()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var student = await RoomKit.GuestAsync(client, Ct);
        var enrol = $"/sessions/{code}/enrol";
        await HttpAssert.OkAsync<JsonElement>(await student.PostAsync(enrol, new { consent_version = ConsentTexts.Current, nickname = "first" }, Ct));

        var refused = await HttpAssert.ProblemAsync(
            await student.PostAsync(enrol, new { consent_version = "1900-01", voice_consent = true, nickname = "second" }, Ct),
            HttpStatusCode.UnprocessableEntity,
            "unknown_consent_version");
        Assert.Equal("consent_version", refused.GetProperty("field").GetString());
        var newcomer = await RoomKit.GuestAsync(client, Ct);
        await HttpAssert.ProblemAsync(await newcomer.PostAsync(enrol, new { consent_version = "1900-01" }, Ct), HttpStatusCode.UnprocessableEntity, "unknown_consent_version");

        // The refused one changed nothing.
        Assert.Equal("first", await PoolNicknameAsync(facilitator, code, student));
        Assert.False((await HttpAssert.OkAsync<JsonElement>(await student.GetAsync("/auth/me", Ct))).GetProperty("voice_consent").GetBoolean());

        // Under the session's text, the voice consent given and the new nickname are applied; the page's poll changes nothing.
        await HttpAssert.OkAsync<JsonElement>(await student.PostAsync(enrol, new { consent_version = ConsentTexts.Current, voice_consent = true, nickname = "second" }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await student.PostAsync(enrol, new { nickname = "second" }, Ct));
        Assert.Equal("second", await PoolNicknameAsync(facilitator, code, student));
        Assert.True((await HttpAssert.OkAsync<JsonElement>(await student.GetAsync("/auth/me", Ct))).GetProperty("voice_consent").GetBoolean());

        // Seated, their room knows them by that name: another is refused saying why, and the same one finds the room.
        await SessionKit.EnrolledAsync(client, code, 2, Ct);
        var room = Assert.Single(SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))).GetProperty("room_code").GetString()!;
        var seated = await HttpAssert.ProblemAsync(await student.PostAsync(enrol, new { nickname = "third" }, Ct), HttpStatusCode.Conflict, "already_seated");
        Assert.Equal("nickname", seated.GetProperty("field").GetString());
        var seat = await HttpAssert.OkAsync<JsonElement>(await student.PostAsync(enrol, new { nickname = "second" }, Ct));
        Assert.Equal(room, seat.GetProperty("room_code").GetString());
        var participants = (await HttpAssert.OkAsync<JsonElement>(await student.GetAsync($"/rooms/{room}", Ct))).GetProperty("participants").EnumerateArray();
        Assert.Equal("second", participants.Single(p => p.GetProperty("user_id").GetInt64() == student.UserId).GetProperty("nickname").GetString());
    }

    private static async Task<string?> PoolNicknameAsync(Player facilitator, string code, Player student) =>
        (await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}", Ct))).GetProperty("pool_members").EnumerateArray()
            .Single(m => m.GetProperty("user_id").GetInt64() == student.UserId).GetProperty("nickname").GetString();

    [Fact]
    public async Task A_student_and_a_facilitator_of_another_session_get_403_on_everything_here()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        await SessionKit.EnrolledAsync(client, code, 3, Ct);
        var student = await RoomKit.GuestAsync(client, Ct);
        var other = await SessionKit.FacilitatorAsync(client, grains, Ct);
        await SessionKit.CreateAsync(other, Ct);

        await HttpAssert.ProblemAsync(await student.PostAsync("/sessions", new { title = "mine", topic = RoomKit.Topic }, Ct), HttpStatusCode.Forbidden, "not_facilitator");
        foreach (var outsider in new[] { student, other })
        {
            await HttpAssert.ProblemAsync(await outsider.GetAsync($"/sessions/{code}", Ct), HttpStatusCode.Forbidden, "not_facilitator");
            await HttpAssert.ProblemAsync(await outsider.GetAsync($"/sessions/{code}/qr.svg", Ct), HttpStatusCode.Forbidden, "not_facilitator");
            await HttpAssert.ProblemAsync(await outsider.PostAsync($"/sessions/{code}/start", new { }, Ct), HttpStatusCode.Forbidden, "not_facilitator");
        }

        // Nothing they tried changed the session: its facilitator starts it.
        var rooms = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct));
        var room = Assert.Single(rooms).GetProperty("room_code").GetString()!;
        var seated = SessionKit.UserIds(rooms[0])[0];

        // Every action on a started session, each with a body that would be accepted from its facilitator.
        (string Path, object? Body)[] actions =
        [
            ($"/sessions/{code}/rooms/{room}/pause", new { reason = "x" }),
            ($"/sessions/{code}/rooms/{room}/resume", null),
            ($"/sessions/{code}/rooms/{room}/extend", new { seconds = 60 }),
            ($"/sessions/{code}/rooms/{room}/remove", new { user_id = seated }),
            ($"/sessions/{code}/rooms/{room}/bot", new { user_id = seated }),
            ($"/sessions/{code}/rooms/{room}/move", new { user_id = seated, to_room_code = room }),
            ($"/sessions/{code}/rooms/{room}/end", null),
            ($"/sessions/{code}/pause", null),
            ($"/sessions/{code}/resume", null),
            ($"/sessions/{code}/broadcast", new { message = "hello" }),
            ($"/sessions/{code}/close", null),
        ];
        foreach (var outsider in new[] { student, other })
        {
            foreach (var (path, body) in actions)
            {
                await HttpAssert.ProblemAsync(await outsider.PostAsync(path, body, Ct), HttpStatusCode.Forbidden, "not_facilitator");
            }

            await HttpAssert.ProblemAsync(await outsider.GetAsync($"/sessions/{code}/results", Ct), HttpStatusCode.Forbidden, "not_facilitator");
            await HttpAssert.ProblemAsync(await outsider.GetAsync($"/sessions/{code}/actions", Ct), HttpStatusCode.Forbidden, "not_facilitator");
        }

        // None of it took effect: the room plays on and the audit holds nothing.
        var view = await RoomAsync(facilitator, room);
        Assert.Equal(("started", false), (view.GetProperty("phase").GetString(), view.GetProperty("paused").GetBoolean()));
        Assert.Equal(0, (await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}/actions", Ct))).GetArrayLength());
    }

    [Fact]
    public async Task A_sessions_waiting_room_cannot_be_joined_by_its_room_code_past_the_enrolment()
    {
        // The enrolment is where the session's consent is asked for, its close and its bound are kept, and its roster is made.
        var (facilitator, _, _, _, waiting, seated) = await StartedWithOneLeftOverAsync();

        // The student the session seated there joins it again as ever.
        await HttpAssert.OkAsync<JsonElement>(await seated.PostAsync("/rooms/join", new { room_code = waiting, nickname = "again" }, Ct));

        // A student of another room (or anyone the code was passed to) who never enrolled: the room answers as to a stranger.
        var outsider = await RoomKit.GuestAsync(client, Ct);
        await HttpAssert.ProblemAsync(await outsider.PostAsync("/rooms/join", new { room_code = waiting, nickname = "gatecrasher" }, Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(
            await outsider.PostAsync("/rooms/join", new { room_code = waiting, nickname = "gatecrasher" }, Ct, idempotencyKey: Guid.NewGuid().ToString()),
            HttpStatusCode.NotFound,
            "room_not_found");

        var room = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/rooms/{waiting}", Ct));
        Assert.DoesNotContain(outsider.UserId, room.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("user_id").GetInt64()));
        Assert.Equal(1, room.GetProperty("participants").GetArrayLength());
    }

    [Fact]
    public async Task Each_facilitator_action_works_and_is_recorded_with_who_what_where_and_why()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, choiceSeconds: 600));
        var students = await SessionKit.EnrolledAsync(client, code, 3, Ct);
        var room = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))[0].GetProperty("room_code").GetString()!;
        var other = await SessionKit.FacilitatorAsync(client, grains, Ct);

        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/pause", new { reason = "too loud" }, Ct));
        Assert.True((await RoomAsync(facilitator, room)).GetProperty("paused").GetBoolean());
        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(students[0], room, 1, 0, 3, Ct), HttpStatusCode.Conflict, "room_paused");
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/resume", null, Ct));
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(students[0], room, 1, 0, 3, Ct), HttpStatusCode.Created);

        var before = (await RoomAsync(facilitator, room)).GetProperty("deadline_at").GetDateTimeOffset();
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/extend", new { seconds = 60 }, Ct));
        Assert.Equal(before.AddSeconds(60), (await RoomAsync(facilitator, room)).GetProperty("deadline_at").GetDateTimeOffset());

        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/pause", null, Ct));
        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(students[1], room, 1, 1, 3, Ct), HttpStatusCode.Conflict, "room_paused");
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/resume", null, Ct));
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(students[1], room, 1, 1, 3, Ct), HttpStatusCode.Created);

        await HttpAssert.ProblemAsync(await other.PostAsync($"/sessions/{code}/rooms/{room}/end", null, Ct), HttpStatusCode.Forbidden, "not_facilitator");
        await HttpAssert.ProblemAsync(await facilitator.PostAsync($"/sessions/{code}/rooms/000000/end", null, Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/end", new { reason = "out of time" }, Ct));
        var ended = await RoomAsync(facilitator, room);
        Assert.Equal("finished", ended.GetProperty("phase").GetString());
        Assert.Equal(facilitator.UserId, ended.GetProperty("ended_early_by").GetInt64());

        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/close", null, Ct));
        await HttpAssert.ProblemAsync(await SessionKit.EnrolAsync(await RoomKit.GuestAsync(client, Ct), code, Ct), HttpStatusCode.Conflict, "session_closed");

        var actions = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}/actions", Ct));
        Assert.Equal(
            [("pause_room", room, "too loud"), ("resume_room", room, null), ("extend_deadline", room, null), ("pause_session", null, null),
             ("resume_session", null, null), ("end_room", room, "out of time"), ("close_session", null, null)],
            actions.EnumerateArray().Select(a => (a.GetProperty("action").GetString()!, a.GetProperty("room_code").GetString(), a.GetProperty("reason").GetString())));
        Assert.All(actions.EnumerateArray(), a => Assert.Equal(facilitator.UserId, a.GetProperty("actor_id").GetInt64()));
        await HttpAssert.ProblemAsync(await other.GetAsync($"/sessions/{code}/actions", Ct), HttpStatusCode.Forbidden, "not_facilitator");
    }

    [Fact]
    public async Task A_facilitator_removes_a_gone_participant_and_a_bot_takes_the_role()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var students = await SessionKit.EnrolledAsync(client, code, 3, Ct);
        var room = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))[0].GetProperty("room_code").GetString()!;
        var gone = students[2].UserId;
        var role = (await RoomAsync(facilitator, room)).GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == gone).GetProperty("role_id").GetInt32();

        await HttpAssert.ProblemAsync(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/bot", new { user_id = gone }, Ct), HttpStatusCode.Conflict, "participant_present");
        var stranger = students.Max(s => s.UserId) + 1_000_000;
        await HttpAssert.ProblemAsync(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/bot", new { user_id = stranger }, Ct), HttpStatusCode.NotFound, "participant_not_found");
        await HttpAssert.ProblemAsync(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/remove", new { user_id = stranger }, Ct), HttpStatusCode.NotFound, "participant_not_found");
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/remove", new { user_id = gone, reason = "left the class" }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/bot", new { user_id = gone }, Ct));
        await HttpAssert.ProblemAsync(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/bot", new { user_id = gone }, Ct), HttpStatusCode.Conflict, "seat_filled");

        var participants = (await RoomAsync(facilitator, room)).GetProperty("participants").EnumerateArray().ToList();
        Assert.Equal("removed", participants.Single(p => p.GetProperty("user_id").GetInt64() == gone).GetProperty("presence").GetString());
        var bot = Assert.Single(participants, p => p.GetProperty("is_bot").GetBoolean());
        Assert.Equal(role, bot.GetProperty("role_id").GetInt32());

        // The bot chose at once: the two others finish the round.
        await RoomKit.PlayRoundAsync(students[..2], room, 1, Ct);
        var actions = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}/actions", Ct));
        Assert.Equal(
            [("remove_participant", (long?)gone, "left the class"), ("fill_with_bot", gone, null)],
            actions.EnumerateArray().Select(a => (a.GetProperty("action").GetString()!, a.GetProperty("user_id").ValueKind == JsonValueKind.Null ? (long?)null : a.GetProperty("user_id").GetInt64(), a.GetProperty("reason").GetString())));
    }

    [Fact]
    public async Task Pausing_the_session_pauses_every_playing_room_and_is_audited_once_for_the_session()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var students = await SessionKit.EnrolledAsync(client, code, 6, Ct);
        var rooms = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct)).Select(r => r.GetProperty("room_code").GetString()!).ToList();

        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/pause", new { reason = "fire drill" }, Ct));
        foreach (var room in rooms)
        {
            Assert.True((await RoomAsync(facilitator, room)).GetProperty("paused").GetBoolean());
        }

        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(students[0], (await SeatOfAsync(students[0], code)), 1, 0, 3, Ct), HttpStatusCode.Conflict, "room_paused");
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/resume", null, Ct));
        foreach (var room in rooms)
        {
            Assert.False((await RoomAsync(facilitator, room)).GetProperty("paused").GetBoolean());
        }

        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(students[0], await SeatOfAsync(students[0], code), 1, 0, 3, Ct), HttpStatusCode.Created);
        var actions = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}/actions", Ct));
        Assert.Equal(
            [("pause_session", null, "fire drill"), ("resume_session", null, null)],
            actions.EnumerateArray().Select(a => (a.GetProperty("action").GetString()!, a.GetProperty("room_code").GetString(), a.GetProperty("reason").GetString())));
    }

    /// <summary>
    /// A move is checked against the source room, the target seats the mover, and only then is the source told. A game
    /// that finished in between refused the move out, leaving the mover seated in both rooms and in neither of the session's
    /// records; the finished game now keeps the seat as played and the move stands.
    /// </summary>
    [Fact]
    public async Task A_move_out_of_a_game_that_finished_meanwhile_leaves_the_game_as_played()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var students = await SessionKit.EnrolledAsync(client, code, 3, Ct);
        var room = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))[0].GetProperty("room_code").GetString()!;
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(students, room, round, Ct);
        }

        var answer = await grains.GetGrain<IFacilitatedRoomGrain>(room).MoveOutForSessionAsync(code, students[0].UserId, facilitator.UserId, "999999", Ct);

        Assert.Equal(RoomPhase.Finished, answer.Phase);
        var seat = (await RoomAsync(facilitator, room)).GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == students[0].UserId);
        Assert.Equal("present", seat.GetProperty("presence").GetString());
    }

    [Fact]
    public async Task A_participant_moves_into_a_free_seat_or_a_waiting_room_and_a_full_room_is_refused()
    {
        var (facilitator, code, students, started, waiting) = await TwoRoomsAndAWaitingRoomAsync();
        var (a, b) = (started[0].GetProperty("room_code").GetString()!, started[1].GetProperty("room_code").GetString()!);
        var gone = SessionKit.UserIds(started[1])[2];
        var mover = students.Single(s => s.UserId == SessionKit.UserIds(started[0])[2]);

        // Room b is full: nobody can move in until a seat is free.
        await HttpAssert.ProblemAsync(await MoveAsync(facilitator, code, a, mover.UserId, b), HttpStatusCode.Conflict, "no_free_seat");
        var same = await HttpAssert.ProblemAsync(await MoveAsync(facilitator, code, a, mover.UserId, a), HttpStatusCode.Conflict, "same_room");
        Assert.Equal("to_room_code", same.GetProperty("field").GetString());
        var unknown = await HttpAssert.ProblemAsync(await MoveAsync(facilitator, code, a, mover.UserId, "000000"), HttpStatusCode.NotFound, "room_not_found");
        Assert.Equal("to_room_code", unknown.GetProperty("field").GetString());
        var malformed = await HttpAssert.ProblemAsync(await MoveAsync(facilitator, code, a, mover.UserId, "12ab"), HttpStatusCode.BadRequest, "invalid_room_code");
        Assert.Equal("to_room_code", malformed.GetProperty("field").GetString());
        await HttpAssert.ProblemAsync(await MoveAsync(facilitator, code, a, gone, b), HttpStatusCode.NotFound, "participant_not_found");
        var other = await SessionKit.FacilitatorAsync(client, grains, Ct);
        await HttpAssert.ProblemAsync(await MoveAsync(other, code, a, mover.UserId, b), HttpStatusCode.Forbidden, "not_facilitator");

        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{b}/remove", new { user_id = gone }, Ct));
        var role = (await RoomAsync(facilitator, b)).GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == gone).GetProperty("role_id").GetInt32();
        var after = await HttpAssert.OkAsync<JsonElement>(await MoveAsync(facilitator, code, a, mover.UserId, b, "helps room b"));

        var target = (await RoomAsync(facilitator, b)).GetProperty("participants").EnumerateArray().ToList();
        var moved = Assert.Single(target, p => p.GetProperty("user_id").GetInt64() == mover.UserId);
        Assert.Equal(role, moved.GetProperty("role_id").GetInt32());
        Assert.Equal("present", moved.GetProperty("presence").GetString());
        var source = (await RoomAsync(facilitator, a)).GetProperty("participants").EnumerateArray();
        Assert.Equal("removed", source.Single(p => p.GetProperty("user_id").GetInt64() == mover.UserId).GetProperty("presence").GetString());
        Assert.Equal(b, await SeatOfAsync(mover, code));
        Assert.Contains(mover.UserId, SessionKit.UserIds(SessionKit.Rooms(after).Single(r => r.GetProperty("room_code").GetString() == b)));
        Assert.DoesNotContain(mover.UserId, SessionKit.UserIds(SessionKit.Rooms(after).Single(r => r.GetProperty("room_code").GetString() == a)));
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(mover, b, 1, 1, 3, Ct), HttpStatusCode.Created);
        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(mover, a, 1, 1, 3, Ct), HttpStatusCode.Conflict, "participant_dropped");

        // Into the waiting room (two seated): the third seat starts it.
        var second = students.Single(s => s.UserId == SessionKit.UserIds(started[0])[1]);
        var filled = await HttpAssert.OkAsync<JsonElement>(await MoveAsync(facilitator, code, a, second.UserId, waiting));
        Assert.Equal(JsonValueKind.Null, filled.GetProperty("waiting_room").ValueKind);
        var nowStarted = await RoomAsync(facilitator, waiting);
        Assert.Equal("started", nowStarted.GetProperty("phase").GetString());
        Assert.Equal([1, 2, 3], nowStarted.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("role_id").GetInt32()).Order());

        var actions = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}/actions", Ct));
        Assert.Equal(
            [("remove_participant", b, (string?)null), ("move_participant", a, b), ("move_participant", a, waiting)],
            actions.EnumerateArray().Select(x => (x.GetProperty("action").GetString()!, x.GetProperty("room_code").GetString()!, x.GetProperty("to_room_code").GetString())));
    }

    /// <summary>
    /// A move whose target seated the mover before a later step failed (the source room's call, or the session's own
    /// write) was refused when sent again: 409 already_seated, or not_movable once the source had let go, leaving the
    /// mover seated in two rooms or the session's record wrong. The rooms' halves are taken here as the session takes them.
    /// </summary>
    [Fact]
    public async Task A_move_that_stopped_half_way_is_finished_by_sending_it_again()
    {
        var (facilitator, code, students, started, waiting) = await TwoRoomsAndAWaitingRoomAsync();
        var (a, b) = (started[0].GetProperty("room_code").GetString()!, started[1].GetProperty("room_code").GetString()!);
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{b}/remove", new { user_id = SessionKit.UserIds(started[1])[2] }, Ct));
        var (mover, second) = (SessionKit.UserIds(started[0])[2], SessionKit.UserIds(started[0])[1]);

        // Room b seated the mover; room a's call failed.
        await grains.GetGrain<IFacilitatedRoomGrain>(b).TakeSeatForSessionAsync(code, new SessionMember(mover, null), facilitator.UserId, Ct);
        var once = await HttpAssert.OkAsync<JsonElement>(await MoveAsync(facilitator, code, a, mover, b));

        Assert.Single((await RoomAsync(facilitator, b)).GetProperty("participants").EnumerateArray(), p => p.GetProperty("user_id").GetInt64() == mover);
        Assert.Equal("removed", PresenceIn(await RoomAsync(facilitator, a), mover));
        Assert.Contains(mover, SessionKit.UserIds(SessionKit.Rooms(once).Single(r => r.GetProperty("room_code").GetString() == b)));
        Assert.DoesNotContain(mover, SessionKit.UserIds(SessionKit.Rooms(once).Single(r => r.GetProperty("room_code").GetString() == a)));
        Assert.Equal(b, await SeatOfAsync(students.Single(s => s.UserId == mover), code));

        // Both rooms did their part (the waiting room's third seat started it); the session's write failed.
        await grains.GetGrain<IFacilitatedRoomGrain>(waiting).TakeSeatForSessionAsync(code, new SessionMember(second, null), facilitator.UserId, Ct);
        await grains.GetGrain<IFacilitatedRoomGrain>(a).MoveOutForSessionAsync(code, second, facilitator.UserId, waiting, Ct);
        var twice = await HttpAssert.OkAsync<JsonElement>(await MoveAsync(facilitator, code, a, second, waiting));

        Assert.Equal(JsonValueKind.Null, twice.GetProperty("waiting_room").ValueKind);
        var nowStarted = SessionKit.Rooms(twice).Single(r => r.GetProperty("room_code").GetString() == waiting);
        Assert.True(nowStarted.GetProperty("started").GetBoolean());
        Assert.Contains(second, SessionKit.UserIds(nowStarted));
        Assert.Equal(waiting, await SeatOfAsync(students.Single(s => s.UserId == second), code));

        // Done once, a move sent again finds it done: answered, and audited once.
        await HttpAssert.OkAsync<JsonElement>(await MoveAsync(facilitator, code, a, second, waiting));
        var actions = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}/actions", Ct));
        Assert.Single(actions.EnumerateArray(), x => x.GetProperty("action").GetString() == "move_participant" && x.GetProperty("user_id").GetInt64() == second);
    }

    /// <summary>A started session of six and <paramref name="waiting"/>: two started rooms of three, and a waiting room with the others.</summary>
    private async Task<(Player Facilitator, string Code, Player[] Students, List<JsonElement> Started, string Waiting)> TwoRoomsAndAWaitingRoomAsync(int waiting = 2)
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var students = await SessionKit.EnrolledAsync(client, code, 6 + waiting, Ct);
        var session = await SessionKit.StartAsync(facilitator, code, Ct);
        var started = SessionKit.Rooms(session).Where(r => r.GetProperty("started").GetBoolean()).ToList();
        return (facilitator, code, students, started, session.GetProperty("waiting_room").GetString()!);
    }

    /// <summary>
    /// The waiting room's only student moved to a free seat: their leave closed the waiting room, and then the session's
    /// write failed. The retry finds the target holding them and the source gone, and records the move.
    /// </summary>
    [Fact]
    public async Task A_move_out_of_a_waiting_room_it_closed_is_finished_by_sending_it_again()
    {
        var (facilitator, code, students, started, waiting) = await TwoRoomsAndAWaitingRoomAsync(waiting: 1);
        var b = started[1].GetProperty("room_code").GetString()!;
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{b}/remove", new { user_id = SessionKit.UserIds(started[1])[2] }, Ct));
        var mover = students.Single(s => !started.SelectMany(SessionKit.UserIds).Contains(s.UserId));

        await grains.GetGrain<IFacilitatedRoomGrain>(b).TakeSeatForSessionAsync(code, new SessionMember(mover.UserId, null), facilitator.UserId, Ct);
        await grains.GetGrain<IFacilitatedRoomGrain>(waiting).MoveOutForSessionAsync(code, mover.UserId, facilitator.UserId, b, Ct);
        var after = await HttpAssert.OkAsync<JsonElement>(await MoveAsync(facilitator, code, waiting, mover.UserId, b));

        Assert.Equal(JsonValueKind.Null, after.GetProperty("waiting_room").ValueKind);
        Assert.Contains(mover.UserId, SessionKit.UserIds(SessionKit.Rooms(after).Single(r => r.GetProperty("room_code").GetString() == b)));
        Assert.Equal(b, await SeatOfAsync(mover, code));
    }

    private static string PresenceIn(JsonElement room, long userId) =>
        room.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == userId).GetProperty("presence").GetString()!;

    [Fact]
    public async Task Results_count_each_rounds_choices_consensus_movement_confidence_and_absences_across_the_rooms()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var students = await SessionKit.EnrolledAsync(client, code, 6, Ct);
        var rooms = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct));

        // Players in seating order: the first is each room's host, who records the consensus (option 0); player i chooses i % 2.
        Player[] InOrder(JsonElement room) => SessionKit.UserIds(room).Select(id => students.Single(s => s.UserId == id)).ToArray();
        var (first, second) = (InOrder(rooms[0]), InOrder(rooms[1]));
        var (firstCode, secondCode) = (rooms[0].GetProperty("room_code").GetString()!, rooms[1].GetProperty("room_code").GetString()!);
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(first, firstCode, round, Ct);
        }

        await RoomKit.PlayRoundAsync(second, secondCode, 1, Ct);
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{secondCode}/remove", new { user_id = second[2].UserId }, Ct));
        await RoomKit.PlayRoundAsync(second[..2], secondCode, 2, Ct);
        await HttpAssert.ProblemAsync(await students[0].GetAsync($"/sessions/{code}/results", Ct), HttpStatusCode.Forbidden, "not_facilitator");

        var results = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}/results", Ct));

        Assert.Equal((2, 2, 1), (results.GetProperty("rooms_total").GetInt32(), results.GetProperty("rooms_started").GetInt32(), results.GetProperty("rooms_finished").GetInt32()));
        Assert.Equal((0, 1, 0), (results.GetProperty("dropped_seats").GetInt32(), results.GetProperty("removed_seats").GetInt32(), results.GetProperty("bot_seats").GetInt32()));
        var rounds = results.GetProperty("rounds").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3, 4, 5], rounds.Select(r => r.GetProperty("round_number").GetInt32()));
        // Round 1: both rooms, each 0, 1, 0 → option 0 four times, option 1 twice; both agreed on 0.
        // Round 2: room one as before, room two's two remaining 0, 1 → 3 and 2; the removed seat absent.
        // Rounds 3-5: room one alone.
        int[][] choices = [[4, 2], [3, 2], [2, 1], [2, 1], [2, 1]];
        int[] closed = [2, 2, 1, 1, 1];
        int[] absent = [0, 1, 0, 0, 0];

        // Player i is sure 3 + i % 3 (3, 4, 5 in a room of three; 3, 4 in the room left with two); each consensus is sure 4.
        double[] meanConfidence = [4.0, 3.8, 4.0, 4.0, 4.0];
        for (var i = 0; i < 5; i++)
        {
            var r = rounds[i];

            // Every individual choice went into a consensus on option 0: row 0 holds the 0s, row 1 the 1s, all in column 0.
            var movement = r.GetProperty("movement").EnumerateArray().Select(row => row.EnumerateArray().Select(c => c.GetInt32()).ToList()).ToList();
            Assert.Equal(r.GetProperty("choices").GetArrayLength(), movement.Count);
            Assert.All(movement, row => Assert.Equal(movement.Count, row.Count));
            Assert.Equal(choices[i], movement.Take(2).Select(row => row[0]));
            Assert.Equal(choices[i].Sum(), movement.Sum(row => row.Sum()));
            Assert.Equal(meanConfidence[i], r.GetProperty("mean_confidence").GetDouble());
            Assert.Equal(4.0, r.GetProperty("consensus_confidence").GetDouble());

            var byOption = r.GetProperty("choices").EnumerateArray().Select(c => c.GetInt32()).ToList();
            Assert.Equal(choices[i], byOption.Take(2));
            Assert.All(byOption.Skip(2), c => Assert.Equal(0, c));
            var consensus = r.GetProperty("consensus").EnumerateArray().Select(c => c.GetInt32()).ToList();
            Assert.Equal(closed[i], consensus[0]);
            Assert.All(consensus.Skip(1), c => Assert.Equal(0, c));
            Assert.Equal(closed[i], r.GetProperty("rooms_closed").GetInt32());
            Assert.Equal(closed[i], r.GetProperty("rooms_with_consensus").GetInt32());
            Assert.Equal(1.0, r.GetProperty("consensus_rate").GetDouble());
            Assert.Equal(0, r.GetProperty("no_consensus").GetInt32());
            Assert.Equal(0, r.GetProperty("timed_out").GetInt32());
            Assert.Equal(absent[i], r.GetProperty("absent").GetInt32());
            Assert.Equal(0, r.GetProperty("bot_choices").GetInt32());
        }
    }

    [Fact]
    public async Task A_start_cut_short_after_its_plan_was_stored_is_finished_on_activation_without_opening_a_room_twice()
    {
        var cut = await CutShortStartAsync(Ct);
        var (first, second) = (cut.RoomCodes[0], cut.RoomCodes[1]);
        var opened = await grains.GetGrain<IFacilitatedRoomGrain>(first).OpenForSessionAsync(cut.Opening(0, cut.Groups[0]), Ct);
        Assert.Equal(RoomPhase.Started, opened.Phase);
        await cut.StoreAsync();

        // Any call wakes it: the start finishes first.
        var session = await HttpAssert.OkAsync<JsonElement>(await cut.Facilitator.GetAsync($"/sessions/{cut.Code}", Ct));

        Assert.Equal("started", session.GetProperty("status").GetString());
        Assert.Equal(0, session.GetProperty("pool").GetArrayLength());
        var rooms = SessionKit.Rooms(session);
        Assert.Equal([first, second], rooms.Select(r => r.GetProperty("room_code").GetString()!));
        Assert.Equal(cut.Groups, rooms.Select(r => SessionKit.UserIds(r).ToList()));
        foreach (var room in rooms)
        {
            await AssertStartedWithEveryRoleAsync(cut.Facilitator, room.GetProperty("room_code").GetString()!);
        }

        // The room opened before the cut is the same room (its roles as dealt then), and a student finds theirs.
        Assert.Equal(
            opened.Participants.Select(p => (p.UserId, p.RoleId)).Order(),
            (await RoomAsync(cut.Facilitator, first)).GetProperty("participants").EnumerateArray().Select(p => (p.GetProperty("user_id").GetInt64(), (int?)p.GetProperty("role_id").GetInt32())).Order());
        Assert.Equal(second, await SeatOfAsync(cut.Students[4], cut.Code));
        await HttpAssert.ProblemAsync(await cut.Facilitator.PostAsync($"/sessions/{cut.Code}/start", new { }, Ct), HttpStatusCode.Conflict, "session_started");
    }

    [Fact]
    public async Task A_room_whose_opening_stopped_after_its_host_was_seated_is_finished_when_the_start_is_retried()
    {
        var cut = await CutShortStartAsync(Ct);
        var first = cut.RoomCodes[0];
        // Stored as a room is after a failed write cut its opening short: created, its host seated, nobody else, not begun.
        var halfOpen = await grains.GetGrain<IFacilitatedRoomGrain>(first).OpenForSessionAsync(cut.Opening(0, cut.Groups[0].Take(1).ToList(), start: false), Ct);
        Assert.Equal(RoomPhase.Waiting, halfOpen.Phase);
        await cut.StoreAsync();

        var session = await HttpAssert.OkAsync<JsonElement>(await cut.Facilitator.GetAsync($"/sessions/{cut.Code}", Ct));

        Assert.Equal("started", session.GetProperty("status").GetString());
        Assert.Equal(cut.Groups, SessionKit.Rooms(session).Select(r => SessionKit.UserIds(r).ToList()));
        var room = await AssertStartedWithEveryRoleAsync(cut.Facilitator, first);
        Assert.Equal(cut.Groups[0].Order(), room.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("user_id").GetInt64()).Order());
        Assert.Equal(halfOpen.HostUserId, room.GetProperty("host_user_id").GetInt64());
        Assert.Equal(first, await SeatOfAsync(cut.Students[2], cut.Code));
    }

    [Fact]
    public async Task A_waiting_room_left_full_by_a_failed_start_begins_when_the_next_student_arrives()
    {
        var cut = await CutShortStartAsync(Ct);
        var waiting = cut.RoomCodes[0];
        var (first, second, third, next) = (cut.Students[0].UserId, cut.Students[1].UserId, cut.Students[2].UserId, cut.Students[3]);
        // Stored as a waiting room is after the third late arrival's seat was written and the start after it failed:
        // three seated, not begun, and the session (whose call failed) knows only the first two.
        var full = await grains.GetGrain<IFacilitatedRoomGrain>(waiting).OpenForSessionAsync(cut.Opening(0, [first, second, third], start: false), Ct);
        Assert.Equal((RoomPhase.Waiting, 3), (full.Phase, full.Participants.Count));
        await cut.StoreAsync(state =>
        {
            state.StartPlan = null;
            state.Status = SessionStatus.Started;
            state.StartedAt = state.CreatedAt;
            state.Enrolled = state.Enrolled.Where(p => p.UserId == first || p.UserId == second).ToList();
            state.Enrolled.ForEach(p => p.RoomCode = waiting);
            state.Rooms = [new SessionRoomState { Code = waiting, UserIds = [first, second] }];
            state.WaitingRoom = waiting;
        });

        var seatOfNext = await SeatOfAsync(next, cut.Code);

        Assert.NotEqual(waiting, seatOfNext);
        await AssertStartedWithEveryRoleAsync(cut.Facilitator, waiting);
        Assert.Equal(waiting, await SeatOfAsync(cut.Students[2], cut.Code));
        var session = await HttpAssert.OkAsync<JsonElement>(await cut.Facilitator.GetAsync($"/sessions/{cut.Code}", Ct));
        var rooms = SessionKit.Rooms(session);
        Assert.Equal(new[] { first, second, third }.Order(), SessionKit.UserIds(rooms.Single(r => r.GetProperty("room_code").GetString() == waiting)).Order());
        Assert.Equal([next.UserId], SessionKit.UserIds(rooms.Single(r => r.GetProperty("room_code").GetString() == seatOfNext)));
    }

    /// <summary>
    /// A late arrival's new room opened with them as host after the session had stored its code, and the session went no further
    /// (its write failed, or the call was cut off): their enrolment sent again seats them there, and the session records that room.
    /// </summary>
    [Fact]
    public async Task A_late_arrivals_new_room_opened_before_the_session_recorded_it_is_theirs_when_they_enrol_again()
    {
        var cut = await CutShortStartAsync(Ct);
        var (roomCode, late) = (cut.RoomCodes[0], cut.Students[0]);
        var opened = await grains.GetGrain<IFacilitatedRoomGrain>(roomCode).OpenForSessionAsync(cut.Opening(0, [late.UserId], start: false), Ct);
        Assert.Equal(RoomPhase.Waiting, opened.Phase);
        await cut.StoreAsync(state =>
        {
            state.StartPlan = null;
            state.Status = SessionStatus.Started;
            state.StartedAt = state.CreatedAt;
            state.Enrolled = [];
            state.LateArrival = new SessionPoolEntry { UserId = late.UserId, EnrolledAt = state.CreatedAt, RoomCode = roomCode };
        });

        Assert.Equal(roomCode, await SeatOfAsync(late, cut.Code));

        var session = await HttpAssert.OkAsync<JsonElement>(await cut.Facilitator.GetAsync($"/sessions/{cut.Code}", Ct));
        Assert.Equal(roomCode, session.GetProperty("waiting_room").GetString());
        Assert.Equal([late.UserId], SessionKit.UserIds(SessionKit.Rooms(session).Single()));
        var room = await RoomAsync(cut.Facilitator, roomCode);
        Assert.Equal([late.UserId], room.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("user_id").GetInt64()));
        Assert.Equal(roomCode, await SeatOfAsync(cut.Students[1], cut.Code));
    }

    private async Task<JsonElement> AssertStartedWithEveryRoleAsync(Player facilitator, string roomCode)
    {
        var seen = await RoomAsync(facilitator, roomCode);
        Assert.Equal("started", seen.GetProperty("phase").GetString());
        Assert.Equal([1, 2, 3], seen.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("role_id").GetInt32()).Order());
        return seen;
    }

    /// <summary>
    /// A session of six enrolled students whose start stopped after its plan of two rooms was stored (<see cref="CutShortStart.StoreAsync"/>
    /// writes that state), so that the next call finishes the start.
    /// </summary>
    private async Task<CutShortStart> CutShortStartAsync(CancellationToken cancellationToken)
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, cancellationToken);
        var students = await RoomKit.GuestsAsync(client, 6, cancellationToken);
        var codes = new HashSet<string>();
        while (codes.Count < 2)
        {
            codes.Add(Random.Shared.Next(100_000, 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var groups = new[] { students[..3], students[3..] }.Select(g => g.Select(s => s.UserId).ToList()).ToList();
        return new CutShortStart(SessionRules.NewCode(), facilitator, students, codes.ToList(), groups, grains, silo);
    }

    private sealed record CutShortStart(string Code, Player Facilitator, Player[] Students, List<string> RoomCodes, List<List<long>> Groups, IGrainFactory Grains, IServiceProvider Silo)
    {
        public SessionRoomOpening Opening(int room, IReadOnlyList<long> members, bool start = true) =>
            new(Code, Facilitator.UserId, $"Cut short · {room + 1}", RoomKit.Topic, null, "continue", null, null, members.Select(id => new SessionMember(id, null)).ToList(), 0, start);

        /// <summary>What the session stored before it died: enrolled, grouped, nothing recorded as opened (unless <paramref name="adjust"/> says otherwise).</summary>
        public Task StoreAsync(Action<SessionState>? adjust = null)
        {
            var now = DateTime.UtcNow;
            var state = new SessionState
            {
                Created = true,
                FacilitatorId = Facilitator.UserId,
                Title = "Cut short",
                Topic = RoomKit.Topic,
                Language = "ko",
                OnDropout = "continue",
                ConsentVersion = ConsentTexts.Current,
                Status = SessionStatus.Open,
                CreatedAt = now,
                Enrolled = Students.Select(s => new SessionPoolEntry { UserId = s.UserId, EnrolledAt = now }).ToList(),
                StartPlan = new SessionStartPlan
                {
                    Rooms = RoomCodes.Select((code, i) => new PlannedRoomState { Code = code, Number = i + 1, UserIds = Groups[i], Start = true }).ToList(),
                },
            };
            adjust?.Invoke(state);
            var storage = Silo.GetRequiredKeyedService<IGrainStorage>(StorageNames.Game);
            return storage.WriteStateAsync("session", Grains.GetGrain<ISessionGrain>(Code).GetGrainId(), new GrainState<SessionState>(state));
        }
    }

    private static Task<HttpResponseMessage> MoveAsync(Player facilitator, string code, string from, long userId, string to, string? reason = null) =>
        facilitator.PostAsync($"/sessions/{code}/rooms/{from}/move", new { user_id = userId, to_room_code = to, reason }, Ct);

    private static async Task<string> SeatOfAsync(Player student, string code) =>
        (await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(student, code, Ct))).GetProperty("room_code").GetString()!;

    private static async Task<JsonElement> RoomAsync(Player player, string code) =>
        await HttpAssert.OkAsync<JsonElement>(await player.GetAsync($"/rooms/{code}", Ct));

    [Fact]
    public async Task Bad_settings_are_refused_naming_the_field()
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);

        await HttpAssert.ProblemAsync(await facilitator.PostAsync("/sessions", new { title = "t" }, Ct), HttpStatusCode.BadRequest, "missing_field");
        var rule = await HttpAssert.ProblemAsync(await facilitator.PostAsync("/sessions", new { title = "t", topic = RoomKit.Topic, remainder_rule = "bots" }, Ct), HttpStatusCode.UnprocessableEntity, "remainder_needs_bots");
        Assert.Equal("remainder_rule", rule.GetProperty("field").GetString());
        await HttpAssert.ProblemAsync(await facilitator.PostAsync("/sessions", new { title = "t", topic = RoomKit.Topic, language = "fr" }, Ct), HttpStatusCode.UnprocessableEntity, "invalid_language");
        await HttpAssert.ProblemAsync(await facilitator.PostAsync("/sessions", new { title = "t", topic = RoomKit.Topic, consent_version = "1999-01" }, Ct), HttpStatusCode.UnprocessableEntity, "unknown_consent_version");
        await HttpAssert.ProblemAsync(await facilitator.PostAsync("/sessions", new { title = "t", topic = "no-such-topic" }, Ct), HttpStatusCode.UnprocessableEntity, "unknown_topic");
    }

    /// <summary>A study label is what a researcher filters and exports by, and a reason is shown in the action log: both are held to the rule of names.</summary>
    [Theory]
    [InlineData("ctl\u0000\u0001")]
    [InlineData("\u202Eyduts")]
    [InlineData("\u200B")]
    public async Task A_study_label_or_a_reason_that_hides_or_shows_nothing_gets_422(string text)
    {
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var label = await HttpAssert.ProblemAsync(
            await facilitator.PostAsync("/sessions", new { title = "Labelled", topic = RoomKit.Topic, study_label = text }, Ct),
            HttpStatusCode.UnprocessableEntity,
            "invalid_study_label");
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));

        var reason = await HttpAssert.ProblemAsync(await facilitator.PostAsync($"/sessions/{code}/pause", new { reason = text }, Ct), HttpStatusCode.UnprocessableEntity, "invalid_reason");

        Assert.Equal("study_label", label.GetProperty("field").GetString());
        Assert.Equal("reason", reason.GetProperty("field").GetString());
    }
}

public sealed class EmbeddedSessionTests(EmbeddedGatewayFixture gateway)
    : SessionTests(gateway.Client, gateway.Grains, gateway.Factory.Services), IClassFixture<EmbeddedGatewayFixture>;

public sealed class ClusterSessionTests(ClusterGatewayFixture cluster)
    : SessionTests(cluster.Client, cluster.Grains, cluster.Deployment.Silos[0].Services), IClassFixture<ClusterGatewayFixture>;
