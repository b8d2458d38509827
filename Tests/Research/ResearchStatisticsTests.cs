using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;

namespace Dilemma.Tests.Research;

/// <summary>
/// Cross-room figures for researchers, in both modes. Each class has its own gateway and store, so
/// the figures are exactly those of the game played here.
/// </summary>
public abstract class ResearchStatisticsTests(HttpClient client, IGrainFactory grains)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Figures_cover_every_room_by_topic_and_role_and_leave_out_participants_without_consent()
    {
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

        var topic = Assert.Single(statistics.GetProperty("topics").EnumerateArray());
        Assert.Equal(RoomKit.Topic, topic.GetProperty("topic").GetString());
        Assert.Equal(1, topic.GetProperty("rooms").GetInt64());
        Assert.Equal(1, topic.GetProperty("finished_rooms").GetInt64());
        Assert.Equal(5, topic.GetProperty("rounds_completed").GetInt64());
        Assert.Equal(5, topic.GetProperty("rounds_with_majority").GetInt64());
        Assert.Equal(4, topic.GetProperty("followed_majority").GetInt64());
        Assert.Equal(5, topic.GetProperty("unanimous").GetInt64());
        Assert.Equal(0.8, topic.GetProperty("followed_majority_rate").GetDouble(), 4);
        Assert.Equal(5.0, topic.GetProperty("mean_consensus_confidence").GetDouble(), 4);

        var roles = statistics.GetProperty("roles").EnumerateArray().ToDictionary(r => r.GetProperty("role_id").GetInt32());
        Assert.Equal([1, 2], roles.Keys.Order().ToArray());
        Assert.Equal(5, roles[1].GetProperty("choices").GetInt64());
        Assert.Equal(0.8, roles[1].GetProperty("agreement_index").GetDouble(), 4);
        Assert.Equal(4.0, roles[1].GetProperty("mean_confidence").GetDouble(), 4);
        Assert.Equal(1.0, roles[1].GetProperty("mean_confidence_shift").GetDouble(), 4);
        Assert.Equal("family_member", roles[2].GetProperty("role_name").GetString());
    }

    [Fact]
    public async Task Only_researchers_see_the_figures()
    {
        var player = await RoomKit.GuestAsync(client, Ct);

        await HttpAssert.ProblemAsync(await client.GetAsync("/research/statistics", Ct), HttpStatusCode.Unauthorized, "missing_token");
        await HttpAssert.ProblemAsync(await player.GetAsync("/research/statistics", Ct), HttpStatusCode.Forbidden, "forbidden");
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
