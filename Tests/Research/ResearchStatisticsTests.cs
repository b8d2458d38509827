using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Dilemma.Tests.Sessions;

namespace Dilemma.Tests.Research;

/// <summary>
/// Cross-room figures for researchers, in both modes. Each class has its own gateway and store, so
/// the figures are exactly those of the game played here.
/// </summary>
public abstract class ResearchStatisticsTests(HttpClient client, IGrainFactory grains)
{
    private const string BotTopic = "medication-ai";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Figures_cover_every_room_by_topic_and_role_and_leave_out_participants_without_consent_and_rounds_a_bot_chose_in_and_a_studys_cover_its_rooms_alone()
    {
        // One person and two bots, on a topic of its own: two rounds decided, each with the person's consented choice
        // (a majority of one, were the bots not counted) and a group decision the bots took part in.
        var host = await RoomKit.GuestAsync(client, Ct);
        await ConsentAsync(host);
        var botRoom = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct, isPublic: false, topic: BotTopic));
        await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/{botRoom}/bots", new { bots = 2 }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/assign-roles/{botRoom}", new { }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/{botRoom}/start", null, Ct));
        await RoomKit.PlayRoundAsync([host], botRoom, 1, Ct);
        await RoomKit.PlayRoundAsync([host], botRoom, 2, Ct);

        var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
        await ConsentAsync(players[0]);
        await ConsentAsync(players[1]);
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.ChooseAsync(players[0], code, round, 0, 4, Ct);
            await RoomKit.ChooseAsync(players[1], code, round, 0, 2, Ct);
            await RoomKit.ChooseAsync(players[2], code, round, 1, 5, Ct);
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, round, round == 5 ? 1 : 0, 5, Ct), HttpStatusCode.Created);
        }

        var researcher = await ResearcherAsync();
        var statistics = await HttpAssert.OkAsync<JsonElement>(await client.SendAsync(AuthClient.Authorized(HttpMethod.Get, "/research/statistics", researcher), Ct));

        var topics = statistics.GetProperty("topics").EnumerateArray().ToDictionary(t => t.GetProperty("topic").GetString()!);
        Assert.Equal(new[] { RoomKit.Topic, BotTopic }.Order(StringComparer.Ordinal), topics.Keys.Order(StringComparer.Ordinal));
        var withBots = topics[BotTopic];
        Assert.Equal(1, withBots.GetProperty("rooms").GetInt64());
        Assert.Equal(2, withBots.GetProperty("rounds_completed").GetInt64());
        Assert.Equal(2, withBots.GetProperty("rounds_with_bots").GetInt64());
        Assert.Equal(0, withBots.GetProperty("rounds_with_majority").GetInt64());
        Assert.Equal(0, withBots.GetProperty("followed_majority").GetInt64());
        Assert.Equal(0, withBots.GetProperty("unanimous").GetInt64());
        Assert.Equal(JsonValueKind.Null, withBots.GetProperty("followed_majority_rate").ValueKind);
        Assert.Equal(JsonValueKind.Null, withBots.GetProperty("mean_consensus_confidence").ValueKind);

        var topic = topics[RoomKit.Topic];
        Assert.Equal(0, topic.GetProperty("rounds_with_bots").GetInt64());
        Assert.Equal(1, topic.GetProperty("rooms").GetInt64());
        Assert.Equal(1, topic.GetProperty("finished_rooms").GetInt64());
        Assert.Equal(5, topic.GetProperty("rounds_completed").GetInt64());
        Assert.Equal(5, topic.GetProperty("rounds_with_majority").GetInt64());
        Assert.Equal(4, topic.GetProperty("followed_majority").GetInt64());
        Assert.Equal(5, topic.GetProperty("unanimous").GetInt64());
        Assert.Equal(0.8, topic.GetProperty("followed_majority_rate").GetDouble(), 4);
        Assert.Equal(5.0, topic.GetProperty("mean_consensus_confidence").GetDouble(), 4);

        // The person beside the bots chose in no round without them, so their role's figures are the first room's alone.
        var roles = statistics.GetProperty("roles").EnumerateArray().ToDictionary(r => r.GetProperty("role_id").GetInt32());
        Assert.Equal([1, 2], roles.Keys.Order().ToArray());
        Assert.Equal(5, roles[1].GetProperty("choices").GetInt64());
        Assert.Equal(0.8, roles[1].GetProperty("agreement_index").GetDouble(), 4);
        Assert.Equal(4.0, roles[1].GetProperty("mean_confidence").GetDouble(), 4);
        Assert.Equal(1.0, roles[1].GetProperty("mean_confidence_shift").GetDouble(), 4);
        Assert.Equal("family_member", roles[2].GetProperty("role_name").GetString());
        Assert.Equal(JsonValueKind.Null, statistics.GetProperty("study").ValueKind);

        // A study's session, one room of three students on the same topic, one round decided: the study's figures are that
        // room's alone, while every room's still count the rooms above.
        var study = "stats-" + Guid.NewGuid().ToString("N")[..10];
        var facilitator = await SessionKit.FacilitatorAsync(client, grains, Ct);
        var session = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, studyLabel: study));
        var students = await SessionKit.EnrolledAsync(client, session, 3, Ct);
        var studyRoom = Assert.Single(SessionKit.Rooms(await SessionKit.StartAsync(facilitator, session, Ct))).GetProperty("room_code").GetString()!;
        foreach (var (student, choice) in students.Zip([0, 0, 1]))
        {
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(student, studyRoom, 1, choice, 2 + choice, Ct), HttpStatusCode.Created);
        }

        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(students[0], studyRoom, 1, 0, 3, Ct), HttpStatusCode.Created);

        var ofStudy = await HttpAssert.OkAsync<JsonElement>(await client.SendAsync(AuthClient.Authorized(HttpMethod.Get, $"/research/statistics?study={study}", researcher), Ct));
        Assert.Equal(study, ofStudy.GetProperty("study").GetString());
        var studyTopic = Assert.Single(ofStudy.GetProperty("topics").EnumerateArray());
        Assert.Equal(
            (RoomKit.Topic, 1L, 0L, 1L, 1L, 1L, 0L, 0L),
            (studyTopic.GetProperty("topic").GetString(), studyTopic.GetProperty("rooms").GetInt64(), studyTopic.GetProperty("finished_rooms").GetInt64(),
             studyTopic.GetProperty("rounds_completed").GetInt64(), studyTopic.GetProperty("rounds_with_majority").GetInt64(), studyTopic.GetProperty("followed_majority").GetInt64(),
             studyTopic.GetProperty("unanimous").GetInt64(), studyTopic.GetProperty("rounds_with_bots").GetInt64()));
        Assert.Equal(3.0, studyTopic.GetProperty("mean_consensus_confidence").GetDouble(), 4);
        var studyRoles = ofStudy.GetProperty("roles").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3], studyRoles.Select(r => r.GetProperty("role_id").GetInt32()));
        Assert.All(studyRoles, r => Assert.Equal(1, r.GetProperty("choices").GetInt64()));
        Assert.Equal(2.0 / 3, studyRoles.Average(r => r.GetProperty("agreement_index").GetDouble()), 4);

        var everyRoom = await HttpAssert.OkAsync<JsonElement>(await client.SendAsync(AuthClient.Authorized(HttpMethod.Get, "/research/statistics", researcher), Ct));
        var topicNow = everyRoom.GetProperty("topics").EnumerateArray().Single(t => t.GetProperty("topic").GetString() == RoomKit.Topic);
        Assert.Equal((2L, 6L), (topicNow.GetProperty("rooms").GetInt64(), topicNow.GetProperty("rounds_completed").GetInt64()));

        // The studies there are, with what their sessions opened; a label no session has gives empty figures, a malformed one a 400.
        var studies = await HttpAssert.OkAsync<JsonElement>(await client.SendAsync(AuthClient.Authorized(HttpMethod.Get, "/research/studies", researcher), Ct));
        var listed = studies.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("study_label").GetString() == study);
        Assert.Equal((1L, 1L, 0L), (listed.GetProperty("sessions").GetInt64(), listed.GetProperty("rooms").GetInt64(), listed.GetProperty("finished_rooms").GetInt64()));
        Assert.True(listed.GetProperty("first_room_at").GetDateTimeOffset() <= listed.GetProperty("last_room_at").GetDateTimeOffset());
        Assert.True(studies.GetProperty("total").GetInt64() >= 1);
        var nobodys = await HttpAssert.OkAsync<JsonElement>(await client.SendAsync(AuthClient.Authorized(HttpMethod.Get, $"/research/statistics?study=none-{study}", researcher), Ct));
        Assert.Empty(nobodys.GetProperty("topics").EnumerateArray());
        Assert.Empty(nobodys.GetProperty("roles").EnumerateArray());
        var tooLong = new string('s', 65);
        var problem = await HttpAssert.ProblemAsync(
            await client.SendAsync(AuthClient.Authorized(HttpMethod.Get, $"/research/statistics?study={tooLong}", researcher), Ct), HttpStatusCode.BadRequest, "invalid_filter");
        Assert.Equal("study", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Only_researchers_see_the_figures()
    {
        var player = await RoomKit.GuestAsync(client, Ct);

        await HttpAssert.ProblemAsync(await client.GetAsync("/research/statistics", Ct), HttpStatusCode.Unauthorized, "missing_token");
        await HttpAssert.ProblemAsync(await player.GetAsync("/research/statistics", Ct), HttpStatusCode.Forbidden, "forbidden");
        await HttpAssert.ProblemAsync(await player.GetAsync("/research/studies", Ct), HttpStatusCode.Forbidden, "forbidden");
    }

    private async Task<string> ResearcherAsync() =>
        (await Roles.NewAccountWithAsync(client, grains, "researcher", Ct)).AccessToken;

    private async Task ConsentAsync(Player player)
    {
        var response = await client.SendAsync(
            AuthClient.Authorized(HttpMethod.Patch, "/auth/me/consent", player.Tokens.AccessToken, JsonContent.Create(new { data_consent = true })), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

public sealed class EmbeddedResearchStatisticsTests(EmbeddedGatewayFixture gateway)
    : ResearchStatisticsTests(gateway.Client, gateway.Grains), IClassFixture<EmbeddedGatewayFixture>;

public sealed class ClusterResearchStatisticsTests(ClusterGatewayFixture cluster)
    : ResearchStatisticsTests(cluster.Client, cluster.Grains), IClassFixture<ClusterGatewayFixture>;
