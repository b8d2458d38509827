using System.Net;
using System.Text.Json;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;

namespace Dilemma.Tests.Rooms;

/// <summary>Opening, listing, joining, leaving, roles and start: every rule and status of api.md's Rooms table.</summary>
public sealed class RoomLifecycleTests(EmbeddedGatewayFixture gateway) : IClassFixture<EmbeddedGatewayFixture>
{
    private HttpClient Client => gateway.Client;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Creating_a_public_room_answers_201_with_a_six_digit_code_and_the_creator_as_host()
    {
        var host = await RoomKit.GuestAsync(Client, Ct, "host");

        var room = await RoomKit.CreateRoomAsync(host, Ct);

        Assert.Matches("^[0-9]{6}$", RoomKit.Code(room));
        Assert.Equal("waiting", room.GetProperty("phase").GetString());
        Assert.Equal(host.UserId, room.GetProperty("host_user_id").GetInt64());
        var seat = Assert.Single(room.GetProperty("participants").EnumerateArray());
        Assert.Equal(host.UserId, seat.GetProperty("user_id").GetInt64());
        Assert.True(seat.GetProperty("is_host").GetBoolean());
        Assert.Equal("host", seat.GetProperty("nickname").GetString());
        Assert.True(room.GetProperty("is_public").GetBoolean());
    }

    [Fact]
    public async Task A_room_fixes_its_scenario_with_five_rounds_when_created()
    {
        var host = await RoomKit.GuestAsync(Client, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));

        var room = await HttpAssert.OkAsync<JsonElement>(await host.GetAsync($"/rooms/{code}", Ct));

        Assert.Equal(RoomKit.Topic, room.GetProperty("topic").GetString());
        Assert.Equal(5, room.GetProperty("scenario").GetProperty("rounds").GetArrayLength());
        Assert.Equal(room.GetProperty("scenario_id").GetString(), room.GetProperty("scenario").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Public_waiting_rooms_are_listed_newest_first_by_topic_and_private_ones_never()
    {
        var host = await RoomKit.GuestAsync(Client, Ct);
        var older = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct, topic: "medication-ai"));
        var hidden = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct, isPublic: false, topic: "medication-ai"));
        var newer = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct, topic: "medication-ai"));

        var page = await HttpAssert.OkAsync<JsonElement>(await host.GetAsync("/rooms?topic=medication-ai&page_size=100", Ct));

        var codes = page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("room_code").GetString()).ToList();
        Assert.DoesNotContain(hidden, codes);
        Assert.True(codes.IndexOf(newer) < codes.IndexOf(older) && codes.IndexOf(newer) >= 0, string.Join(",", codes));
        Assert.All(page.GetProperty("items").EnumerateArray(), r => Assert.Equal("medication-ai", r.GetProperty("topic").GetString()));
        var listed = page.GetProperty("items").EnumerateArray().Single(r => r.GetProperty("room_code").GetString() == newer);
        Assert.Equal(1, listed.GetProperty("participant_count").GetInt32());
        Assert.Equal("waiting", listed.GetProperty("phase").GetString());
    }

    [Fact]
    public async Task Listing_pages_and_refuses_bad_paging()
    {
        var host = await RoomKit.GuestAsync(Client, Ct);
        for (var i = 0; i < 3; i++)
        {
            await RoomKit.CreateRoomAsync(host, Ct, topic: "emotion-recognition");
        }

        var first = await HttpAssert.OkAsync<JsonElement>(await host.GetAsync("/rooms?topic=emotion-recognition&page=1&page_size=2", Ct));
        Assert.Equal(2, first.GetProperty("items").GetArrayLength());
        Assert.True(first.GetProperty("total").GetInt64() >= 3);

        await HttpAssert.ProblemAsync(await host.GetAsync("/rooms?page=0", Ct), HttpStatusCode.UnprocessableEntity, "invalid_page");

        // A page far beyond the rooms, whose offset does not fit an int: an empty page that says which it is.
        var beyond = await HttpAssert.OkAsync<JsonElement>(await host.GetAsync("/rooms?topic=emotion-recognition&page=200000000&page_size=100", Ct));
        Assert.Equal(0, beyond.GetProperty("items").GetArrayLength());
        Assert.Equal(200000000, beyond.GetProperty("page").GetInt32());
        Assert.True(beyond.GetProperty("total").GetInt64() >= 3);
        await HttpAssert.ProblemAsync(await host.GetAsync("/rooms?page_size=1000", Ct), HttpStatusCode.UnprocessableEntity, "invalid_page_size");
        await HttpAssert.ProblemAsync(await host.GetAsync("/rooms?status=sleeping", Ct), HttpStatusCode.UnprocessableEntity, "invalid_status");
    }

    [Fact]
    public async Task Private_rooms_are_joined_by_code()
    {
        var host = await RoomKit.GuestAsync(Client, Ct);
        var guest = await RoomKit.GuestAsync(Client, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct, isPublic: false));

        var seat = await RoomKit.JoinAsync(guest, code, Ct);

        Assert.Equal(guest.UserId, seat.GetProperty("user_id").GetInt64());
        Assert.False(seat.GetProperty("room").GetProperty("is_public").GetBoolean());
    }

    [Fact]
    public async Task Unknown_room_code_gets_404()
    {
        var player = await RoomKit.GuestAsync(Client, Ct);
        var code = await UnusedCodeAsync(player);

        await HttpAssert.ProblemAsync(await player.GetAsync($"/rooms/{code}", Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await player.PostAsync("/rooms/join", new { room_code = code, nickname = "x" }, Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await player.PostAsync($"/rooms/{code}/start", null, Ct), HttpStatusCode.NotFound, "room_not_found");
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12a456")]
    [InlineData("１２３４５６")]
    [InlineData("123456\n")]
    public async Task Malformed_room_codes_get_400(string code)
    {
        var player = await RoomKit.GuestAsync(Client, Ct);

        await HttpAssert.ProblemAsync(await player.GetAsync($"/rooms/{Uri.EscapeDataString(code)}", Ct), HttpStatusCode.BadRequest, "invalid_room_code");
        await HttpAssert.ProblemAsync(await player.PostAsync($"/rooms/{Uri.EscapeDataString(code)}/round-choice", new { round_number = 1, choice = 0, confidence = 3 }, Ct), HttpStatusCode.BadRequest, "invalid_room_code");
    }

    [Theory]
    [InlineData("page=abc", "page", "int")]
    [InlineData("page_size=x", "page_size", "int")]
    public async Task A_query_value_not_of_its_type_gets_400_naming_the_parameter(string query, string field, string type)
    {
        var player = await RoomKit.GuestAsync(Client, Ct);

        var problem = await HttpAssert.ProblemAsync(await player.GetAsync($"/rooms?{query}", Ct), HttpStatusCode.BadRequest, "malformed_request");

        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Equal($"{field} is not a valid {type}.", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("12")]
    [InlineData("1234567")]
    [InlineData("12a456")]
    [InlineData("123456\n")]
    public async Task A_malformed_code_in_the_body_gets_the_same_400_as_in_a_path(string code)
    {
        var player = await RoomKit.GuestAsync(Client, Ct);

        var inBody = await player.PostAsync("/rooms/join", new { room_code = code, nickname = "x" }, Ct);
        var inPath = await player.GetAsync($"/rooms/{Uri.EscapeDataString(code)}", Ct);

        var fromBody = await HttpAssert.ProblemAsync(inBody, HttpStatusCode.BadRequest, "invalid_room_code");
        var fromPath = await HttpAssert.ProblemAsync(inPath, HttpStatusCode.BadRequest, "invalid_room_code");
        Assert.Equal(fromPath.GetProperty("detail").GetString(), fromBody.GetProperty("detail").GetString());
        Assert.Equal("room_code", fromBody.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Joining_again_returns_the_same_seat()
    {
        var host = await RoomKit.GuestAsync(Client, Ct);
        var guest = await RoomKit.GuestAsync(Client, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));

        var first = await RoomKit.JoinAsync(guest, code, Ct);
        var again = await RoomKit.JoinAsync(guest, code, Ct);

        Assert.Equal(first.GetProperty("user_id").GetInt64(), again.GetProperty("user_id").GetInt64());
        Assert.Equal(2, again.GetProperty("room").GetProperty("participants").GetArrayLength());
    }

    [Fact]
    public async Task Fourth_joiner_gets_room_full()
    {
        var (_, code) = await RoomKit.SeatedRoomAsync(Client, Ct);
        var fourth = await RoomKit.GuestAsync(Client, Ct);

        await HttpAssert.ProblemAsync(await fourth.PostAsync("/rooms/join", new { room_code = code, nickname = "four" }, Ct), HttpStatusCode.Conflict, "room_full");
    }

    [Fact]
    public async Task Ten_users_joining_at_once_seat_exactly_three()
    {
        var host = await RoomKit.GuestAsync(Client, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));
        var joiners = await RoomKit.GuestsAsync(Client, 10, Ct);

        var answers = await Task.WhenAll(joiners.Select(j => j.PostAsync("/rooms/join", new { room_code = code, nickname = "j" + j.UserId }, Ct)));

        Assert.Equal(2, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.OK))
        {
            await HttpAssert.ProblemAsync(refused, HttpStatusCode.Conflict, "room_full");
        }

        var room = await HttpAssert.OkAsync<JsonElement>(await host.GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(3, room.GetProperty("participants").GetArrayLength());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("this nickname is far too long to be a nickname")]
    public async Task Empty_or_long_nicknames_get_422(string nickname)
    {
        var host = await RoomKit.GuestAsync(Client, Ct);
        var guest = await RoomKit.GuestAsync(Client, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));

        var response = await guest.PostAsync("/rooms/join", new { room_code = code, nickname }, Ct);

        var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity, nickname.Length > 32 ? "invalid_field" : "invalid_nickname");
        Assert.True(problem.GetProperty("errors").TryGetProperty("nickname", out _));
    }

    /// <summary>
    /// Characters that draw nothing of their own let a name pass for another ("Kim" behind U+202E shows reversed), hide
    /// itself or break a line of a list or an export; they were taken as they came, in nicknames and titles alike.
    /// </summary>
    [Theory]
    [InlineData("\u202Emik")]
    [InlineData("Ann\u2066a")]
    [InlineData("two\nlines")]
    [InlineData("bell\u0007")]
    [InlineData("\u200B")]
    [InlineData("\u3164\u3164")]
    [InlineData("\uFEFF \u00AD")]
    [InlineData("\u0301\u0301\u0301")]
    public async Task Names_and_titles_with_control_or_direction_characters_or_nothing_visible_get_422_naming_the_field(string text)
    {
        var host = await RoomKit.GuestAsync(Client, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));

        var joined = await HttpAssert.ProblemAsync(
            await (await RoomKit.GuestAsync(Client, Ct)).PostAsync("/rooms/join", new { room_code = code, nickname = text }, Ct), HttpStatusCode.UnprocessableEntity, "invalid_nickname");
        Assert.Contains("direction of text", joined.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.ProblemAsync(
            await Client.PostJsonAsync("/auth/guest", new { nickname = text }, Ct), HttpStatusCode.UnprocessableEntity, "invalid_nickname");
        await HttpAssert.ProblemAsync(await host.PostAsync("/rooms/public", new { title = text, topic = RoomKit.Topic }, Ct), HttpStatusCode.UnprocessableEntity, "invalid_title");

        // Marks of direction stay: a name that mixes scripts needs them; and so do marks on a letter.
        await HttpAssert.OkAsync<JsonElement>(await host.PostAsync("/rooms/public", new { title = "Room \u200Fא", topic = RoomKit.Topic }, Ct), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await host.PostAsync("/rooms/public", new { title = "Cafe\u0301 \u1100\u1161", topic = RoomKit.Topic }, Ct), HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_room_on_an_unknown_topic_gets_422()
    {
        var host = await RoomKit.GuestAsync(Client, Ct);

        var response = await host.PostAsync("/rooms/public", new { title = "t", topic = "no-such-topic" }, Ct);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity, "unknown_topic");
    }

    [Fact]
    public async Task Room_endpoints_need_a_token()
    {
        await HttpAssert.ProblemAsync(await Client.GetAsync("/rooms", Ct), HttpStatusCode.Unauthorized, "missing_token");
        await HttpAssert.ProblemAsync(await Client.PostRawAsync("/rooms/public", "{\"title\":\"t\",\"topic\":\"x\"}", Ct), HttpStatusCode.Unauthorized, "missing_token");
    }

    [Fact]
    public async Task Leaving_before_start_frees_the_seat_and_the_host_passes_to_the_next_participant()
    {
        var players = await RoomKit.GuestsAsync(Client, 3, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(players[0], Ct));
        await RoomKit.JoinAsync(players[1], code, Ct);
        await RoomKit.JoinAsync(players[2], code, Ct);

        var leave = await players[0].PostAsync($"/rooms/{code}/leave", null, Ct);

        Assert.Equal(HttpStatusCode.NoContent, leave.StatusCode);
        var room = await HttpAssert.OkAsync<JsonElement>(await players[1].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(players[1].UserId, room.GetProperty("host_user_id").GetInt64());
        Assert.Equal(2, room.GetProperty("participants").GetArrayLength());
        var newcomer = await RoomKit.GuestAsync(Client, Ct);
        await RoomKit.JoinAsync(newcomer, code, Ct);
    }

    [Fact]
    public async Task Leaving_after_start_drops_the_seat_and_after_the_end_gets_409_room_finished()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(Client, Ct);

        Assert.Equal(HttpStatusCode.NoContent, (await players[1].PostAsync($"/rooms/{code}/leave", null, Ct)).StatusCode);
        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(3, room.GetProperty("participants").GetArrayLength());
        Assert.Equal("dropped", room.GetProperty("participants")[1].GetProperty("presence").GetString());

        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/end", null, Ct));
        await HttpAssert.ProblemAsync(await players[2].PostAsync($"/rooms/{code}/leave", null, Ct), HttpStatusCode.Conflict, "room_finished");
    }

    [Fact]
    public async Task Leaving_a_room_you_are_not_in_gets_403()
    {
        var host = await RoomKit.GuestAsync(Client, Ct);
        var stranger = await RoomKit.GuestAsync(Client, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));

        await HttpAssert.ProblemAsync(await stranger.PostAsync($"/rooms/{code}/leave", null, Ct), HttpStatusCode.Forbidden, "not_participant");
    }

    [Fact]
    public async Task Random_assignment_deals_roles_1_2_3_once_each()
    {
        var players = await RoomKit.GuestsAsync(Client, 3, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(players[0], Ct));
        await RoomKit.JoinAsync(players[1], code, Ct);
        await RoomKit.JoinAsync(players[2], code, Ct);

        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/assign-roles/{code}", new { }, Ct));

        var roles = room.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("role_id").GetInt32()).Order().ToArray();
        Assert.Equal([1, 2, 3], roles);
        Assert.All(room.GetProperty("participants").EnumerateArray(), p => Assert.False(string.IsNullOrEmpty(p.GetProperty("role_name").GetString())));
    }

    [Fact]
    public async Task Explicit_assignment_is_applied_as_given()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(Client, Ct);

        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));

        foreach (var (player, index) in players.Select((p, i) => (p, i)))
        {
            var seat = room.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == player.UserId);
            Assert.Equal(index + 1, seat.GetProperty("role_id").GetInt32());
        }
    }

    [Fact]
    public async Task Only_the_host_assigns_roles()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(Client, Ct);

        await HttpAssert.ProblemAsync(await players[1].PostAsync($"/rooms/assign-roles/{code}", new { }, Ct), HttpStatusCode.Forbidden, "not_host");
    }

    [Fact]
    public async Task Roles_need_exactly_three_participants()
    {
        var host = await RoomKit.GuestAsync(Client, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));

        await HttpAssert.ProblemAsync(await host.PostAsync($"/rooms/assign-roles/{code}", new { }, Ct), HttpStatusCode.Conflict, "participants_pending");
    }

    [Theory]
    [InlineData(1, 1, 2)]
    [InlineData(1, 2, 4)]
    [InlineData(0, 1, 2)]
    public async Task Roles_other_than_1_2_3_once_each_get_422(int first, int second, int third)
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(Client, Ct);
        var assignments = new[] { new { user_id = players[0].UserId, role_id = first }, new { user_id = players[1].UserId, role_id = second }, new { user_id = players[2].UserId, role_id = third } };

        await HttpAssert.ProblemAsync(await players[0].PostAsync($"/rooms/assign-roles/{code}", new { assignments }, Ct), HttpStatusCode.UnprocessableEntity, "invalid_roles");
    }

    [Theory]
    [InlineData("[null]", "assignments[0]")]
    [InlineData("[{}]", "assignments[0].user_id")]
    [InlineData("[{\"user_id\":null,\"role_id\":1}]", "assignments[0].user_id")]
    [InlineData("[{\"user_id\":1}]", "assignments[0].role_id")]
    [InlineData("[{\"user_id\":1,\"role_id\":1},{\"user_id\":2,\"role_id\":null}]", "assignments[1].role_id")]
    public async Task Incomplete_role_assignments_get_400_naming_the_item_and_field(string assignments, string field)
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(Client, Ct);
        var request = AuthClient.Authorized(HttpMethod.Post, $"/rooms/assign-roles/{code}", players[0].Tokens.AccessToken, new StringContent($"{{\"assignments\":{assignments}}}", System.Text.Encoding.UTF8, "application/json"));

        var problem = await HttpAssert.ProblemAsync(await Client.SendAsync(request, Ct), HttpStatusCode.BadRequest, "missing_field");

        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), problem.GetRawText());
        if (errors.EnumerateObject().Count() == 1)
        {
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task Roles_for_someone_outside_the_room_get_422()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(Client, Ct);
        var stranger = await RoomKit.GuestAsync(Client, Ct);
        var assignments = new[] { new { user_id = players[0].UserId, role_id = 1 }, new { user_id = players[1].UserId, role_id = 2 }, new { user_id = stranger.UserId, role_id = 3 } };

        await HttpAssert.ProblemAsync(await players[0].PostAsync($"/rooms/assign-roles/{code}", new { assignments }, Ct), HttpStatusCode.UnprocessableEntity, "invalid_roles");
    }

    [Fact]
    public async Task Start_needs_roles_and_the_host()
    {
        var players = await RoomKit.GuestsAsync(Client, 3, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(players[0], Ct));
        await RoomKit.JoinAsync(players[1], code, Ct);
        await RoomKit.JoinAsync(players[2], code, Ct);

        await HttpAssert.ProblemAsync(await players[0].PostAsync($"/rooms/{code}/start", null, Ct), HttpStatusCode.Conflict, "roles_not_assigned");
        await players[0].PostAsync($"/rooms/assign-roles/{code}", new { }, Ct);
        await HttpAssert.ProblemAsync(await players[2].PostAsync($"/rooms/{code}/start", null, Ct), HttpStatusCode.Forbidden, "not_host");

        var started = await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        Assert.Equal("started", started.GetProperty("phase").GetString());
        Assert.Equal(1, started.GetProperty("current_round").GetInt32());
    }

    [Fact]
    public async Task Actions_in_the_wrong_phase_get_409_naming_the_conflict()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(Client, Ct);
        var late = await RoomKit.GuestAsync(Client, Ct);

        await HttpAssert.ProblemAsync(await players[0].PostAsync($"/rooms/{code}/start", null, Ct), HttpStatusCode.Conflict, "room_started");
        await HttpAssert.ProblemAsync(await players[0].PostAsync($"/rooms/assign-roles/{code}", new { }, Ct), HttpStatusCode.Conflict, "room_started");
        await HttpAssert.ProblemAsync(await late.PostAsync("/rooms/join", new { room_code = code, nickname = "late" }, Ct), HttpStatusCode.Conflict, "room_started");
        await RoomKit.JoinAsync(players[2], code, Ct);
    }

    [Fact]
    public async Task Quick_join_fills_the_fullest_open_room_before_opening_another()
    {
        var topic = "ai-companion-data";
        var host = await RoomKit.GuestAsync(Client, Ct);
        var partner = await RoomKit.GuestAsync(Client, Ct);
        var fuller = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct, topic: topic));
        await RoomKit.JoinAsync(partner, fuller, Ct);
        var quick = await RoomKit.GuestAsync(Client, Ct);

        var seat = await HttpAssert.OkAsync<JsonElement>(await quick.PostAsync("/rooms/quick-join", new { topic, nickname = "quick" }, Ct));

        Assert.Equal(3, seat.GetProperty("room").GetProperty("participants").GetArrayLength());
        var quickAgain = await RoomKit.GuestAsync(Client, Ct);
        var another = await HttpAssert.OkAsync<JsonElement>(await quickAgain.PostAsync("/rooms/quick-join", new { topic, nickname = "again" }, Ct));
        Assert.NotEqual(fuller, another.GetProperty("room_code").GetString());
        Assert.Equal(topic, another.GetProperty("room").GetProperty("topic").GetString());
    }

    private async Task<string> UnusedCodeAsync(Player player)
    {
        for (var i = 0; i < 50; i++)
        {
            var code = Random.Shared.Next(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
            if ((await player.GetAsync($"/rooms/{code}", Ct)).StatusCode == HttpStatusCode.NotFound)
            {
                return code;
            }
        }

        throw new InvalidOperationException("No unused room code found.");
    }
}
