using System.Net;
using System.Text.Json;
using Dilemma.Tests.Ai;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Research;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// Rooms are visible to those who belong (issue 11, finding 3): participants and researchers see
/// the whole room, anyone else only the public summary of a public waiting room, and every other
/// room answers a stranger exactly as a code nobody opened does. In both modes.
/// </summary>
public abstract class RoomVisibilityTests(HttpClient client, IGrainFactory grains)
{
    private static readonly string[] WholeRoomOnly = ["participants", "host_user_id", "consensus", "scenario", "scenario_id", "chosen_this_round", "is_public"];

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_stranger_sees_only_the_public_summary_of_a_public_waiting_room()
    {
        var host = await RoomKit.GuestAsync(client, Ct);
        var stranger = await RoomKit.GuestAsync(client, Ct);
        var created = await RoomKit.CreateRoomAsync(host, Ct, title: "Open to all");
        var code = RoomKit.Code(created);

        var summary = await HttpAssert.OkAsync<JsonElement>(await stranger.GetAsync($"/rooms/{code}", Ct));

        Assert.Equal(code, summary.GetProperty("room_code").GetString());
        Assert.Equal("Open to all", summary.GetProperty("title").GetString());
        Assert.Equal(RoomKit.Topic, summary.GetProperty("topic").GetString());
        Assert.Equal(1, summary.GetProperty("participant_count").GetInt32());
        Assert.Equal("waiting", summary.GetProperty("phase").GetString());
        Assert.All(WholeRoomOnly, name => Assert.False(summary.TryGetProperty(name, out _), $"the summary carries {name}: {summary}"));
    }

    [Fact]
    public async Task Private_started_finished_closed_and_unknown_rooms_answer_a_stranger_the_same_404()
    {
        var stranger = await RoomKit.GuestAsync(client, Ct);
        var unknown = Untraced(await HttpAssert.ProblemAsync(await stranger.GetAsync($"/rooms/{await UnusedCodeAsync(stranger)}", Ct), HttpStatusCode.NotFound, "room_not_found"));

        var privateHost = await RoomKit.GuestAsync(client, Ct);
        var privateWaiting = RoomKit.Code(await RoomKit.CreateRoomAsync(privateHost, Ct, isPublic: false));
        var (_, started) = await RoomKit.StartedRoomAsync(client, Ct);
        var (players, finished) = await RoomKit.StartedRoomAsync(client, Ct);
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players, finished, round, Ct);
        }

        var leaver = await RoomKit.GuestAsync(client, Ct);
        var closed = RoomKit.Code(await RoomKit.CreateRoomAsync(leaver, Ct));
        Assert.Equal(HttpStatusCode.NoContent, (await leaver.PostAsync($"/rooms/{closed}/leave", null, Ct)).StatusCode);

        foreach (var code in new[] { privateWaiting, started, finished, closed })
        {
            var hidden = Untraced(await HttpAssert.ProblemAsync(await stranger.GetAsync($"/rooms/{code}", Ct), HttpStatusCode.NotFound, "room_not_found"));
            Assert.Equal(unknown, hidden);
        }
    }

    [Fact]
    public async Task Participants_and_researchers_see_the_whole_room_even_a_private_game_under_way()
    {
        var players = await RoomKit.GuestsAsync(client, 3, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(players[0], Ct, isPublic: false));
        await RoomKit.JoinAsync(players[1], code, Ct);
        await RoomKit.JoinAsync(players[2], code, Ct);
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/assign-roles/{code}", new { }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);

        foreach (var viewer in new[] { players[2], researcher })
        {
            var room = await HttpAssert.OkAsync<JsonElement>(await viewer.GetAsync($"/rooms/{code}", Ct));
            Assert.Equal(3, room.GetProperty("participants").GetArrayLength());
            Assert.Equal(players[0].UserId, room.GetProperty("host_user_id").GetInt64());
            Assert.Equal(5, room.GetProperty("scenario").GetProperty("rounds").GetArrayLength());
            Assert.Equal("started", room.GetProperty("phase").GetString());
        }

        await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync($"/rooms/{code}/statistics", Ct));
    }

    [Fact]
    public async Task Statistics_questions_feedback_choices_and_joins_answer_a_stranger_404_for_a_private_game()
    {
        var players = await RoomKit.GuestsAsync(client, 3, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(players[0], Ct, isPublic: false));
        await RoomKit.JoinAsync(players[1], code, Ct);
        await RoomKit.JoinAsync(players[2], code, Ct);
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/assign-roles/{code}", new { }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        await RoomKit.PlayRoundAsync(players, code, 1, Ct);
        var stranger = await RoomKit.GuestAsync(client, Ct);

        await HttpAssert.ProblemAsync(await stranger.GetAsync($"/rooms/{code}/statistics", Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await AiKit.QuestionsAsync(stranger, code, Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await AiKit.FeedbackAsync(stranger, code, null, Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(stranger, code, 2, 0, 3, Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await stranger.PostAsync($"/rooms/{code}/leave", null, Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.ProblemAsync(await stranger.PostAsync("/rooms/join", new { room_code = code, nickname = "nosy" }, Ct), HttpStatusCode.NotFound, "room_not_found");
        await HttpAssert.OkAsync<JsonElement>(await players[1].GetAsync($"/rooms/{code}/statistics", Ct));
        await RoomKit.JoinAsync(players[2], code, Ct);
    }

    [Fact]
    public async Task A_stranger_is_told_not_participant_only_where_the_room_is_public_and_waiting()
    {
        var host = await RoomKit.GuestAsync(client, Ct);
        var stranger = await RoomKit.GuestAsync(client, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));

        await HttpAssert.ProblemAsync(await stranger.GetAsync($"/rooms/{code}/statistics", Ct), HttpStatusCode.Forbidden, "not_participant");
        await HttpAssert.ProblemAsync(await stranger.PostAsync($"/rooms/{code}/leave", null, Ct), HttpStatusCode.Forbidden, "not_participant");
    }

    /// <summary>A problem body without its trace id, which differs from one request to the next by design.</summary>
    private static string Untraced(JsonElement problem) =>
        JsonSerializer.Serialize(problem.EnumerateObject().Where(p => p.Name != "trace_id").ToDictionary(p => p.Name, p => p.Value));

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

public sealed class EmbeddedRoomVisibilityTests(EmbeddedGatewayFixture gateway)
    : RoomVisibilityTests(gateway.Client, gateway.Grains), IClassFixture<EmbeddedGatewayFixture>;

public sealed class ClusterRoomVisibilityTests(ClusterGatewayFixture cluster)
    : RoomVisibilityTests(cluster.Client, cluster.Grains), IClassFixture<ClusterGatewayFixture>;
