using System.Net;
using System.Text.Json;
using Dapper;
using Dilemma.Grains.Research;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// A whole game through the HTTP API: three guests, create, join, roles, start, five rounds,
/// statistics. It runs in both modes, and each checks the research records behind the game.
/// </summary>
public abstract class FullGameTests(HttpClient client)
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>(participants, round choices, consensus rows) recorded for the room.</summary>
    protected abstract Task<(long Participants, long Choices, long Consensus)> RecordedAsync(string code);

    [Fact]
    public async Task Three_guests_play_a_whole_game_and_every_acknowledged_decision_is_recorded()
    {
        var players = await RoomKit.GuestsAsync(client, 3, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(players[0], Ct));
        await RoomKit.JoinAsync(players[1], code, Ct);
        await RoomKit.JoinAsync(players[2], code, Ct);
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/assign-roles/{code}", new { }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));

        // Round by round: players 0 and 1 agree on option 0, player 2 picks 1; the group
        // follows the majority except in round 4, where it sides with player 2.
        for (var round = 1; round <= 5; round++)
        {
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, round, 0, 4, Ct), HttpStatusCode.Created);
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[1], code, round, 0, 2, Ct), HttpStatusCode.Created);
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[2], code, round, 1, 3, Ct), HttpStatusCode.Created);
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[round % 3], code, round, round == 4 ? 1 : 0, 5, Ct), HttpStatusCode.Created);
        }

        var statistics = await HttpAssert.OkAsync<JsonElement>(await players[1].GetAsync($"/rooms/{code}/statistics", Ct));
        Assert.Equal("finished", statistics.GetProperty("phase").GetString());
        var rounds = statistics.GetProperty("rounds").EnumerateArray().ToList();
        Assert.Equal(5, rounds.Count);
        var first = rounds[0];
        Assert.True(first.GetProperty("completed").GetBoolean());
        Assert.Equal(2, first.GetProperty("distribution")[0].GetInt32());
        Assert.Equal(1, first.GetProperty("distribution")[1].GetInt32());
        Assert.Equal(3.0, first.GetProperty("mean_confidence").GetDouble());
        Assert.Equal(0, first.GetProperty("majority_choice").GetInt32());
        Assert.True(first.GetProperty("followed_majority").GetBoolean());
        Assert.Equal(2.0, first.GetProperty("confidence_shift").GetDouble());
        Assert.Equal(1.0 / 3, first.GetProperty("distance_to_consensus").GetDouble(), 3);
        var fourth = rounds[3];
        Assert.False(fourth.GetProperty("followed_majority").GetBoolean());
        var majorityMember = fourth.GetProperty("choices").EnumerateArray().Single(c => c.GetProperty("user_id").GetInt64() == players[0].UserId);
        Assert.True(majorityMember.GetProperty("changed_from_majority").GetBoolean());
        Assert.True(majorityMember.GetProperty("changed_position").GetBoolean());
        var totals = statistics.GetProperty("totals");
        Assert.Equal(5, totals.GetProperty("rounds_completed").GetInt32());
        Assert.Equal(4, totals.GetProperty("followed_majority_count").GetInt32());
        var roleOfPlayer2 = statistics.GetProperty("role_agreement").EnumerateArray().Single(r => r.GetProperty("user_id").GetInt64() == players[2].UserId);
        Assert.Equal(0.2, roleOfPlayer2.GetProperty("agreement_index").GetDouble(), 3);

        Assert.Equal((3L, 15L, 5L), await RecordedAsync(code));
    }
}

public sealed class EmbeddedFullGameTests(EmbeddedGatewayFixture gateway)
    : FullGameTests(gateway.Client), IClassFixture<EmbeddedGatewayFixture>
{
    protected override Task<(long Participants, long Choices, long Consensus)> RecordedAsync(string code)
    {
        var (participants, choices, consensus) = gateway.Factory.Services.GetRequiredService<InMemoryResearchStore>().Counts(code);
        return Task.FromResult(((long)participants, (long)choices, (long)consensus));
    }
}

public sealed class ClusterFullGameTests(ClusterGatewayFixture cluster)
    : FullGameTests(cluster.Client), IClassFixture<ClusterGatewayFixture>
{
    protected override Task<(long Participants, long Choices, long Consensus)> RecordedAsync(string code) =>
        ResearchRows.CountAsync(cluster.Deployment.MySqlConnectionString, code);
}

/// <summary>Counts of a room's rows in the research tables.</summary>
public static class ResearchRows
{
    public static async Task<(long Participants, long Choices, long Consensus)> CountAsync(string connectionString, string code)
    {
        await using var connection = new MySqlConnection(connectionString);
        return await connection.QuerySingleAsync<(long, long, long)>(
            """
            SELECT (SELECT COUNT(*) FROM room_participants WHERE room_code = @code AND left_at IS NULL),
                   (SELECT COUNT(*) FROM round_choices WHERE room_code = @code),
                   (SELECT COUNT(*) FROM consensus_choices WHERE room_code = @code)
            """,
            new { code });
    }
}

/// <summary>A room in the middle of a game outlives every silo of the cluster.</summary>
public sealed class RoomDurabilityTests(LocalServices services)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_room_in_round_3_survives_all_silos_restarting_and_the_game_continues_to_round_5()
    {
        await using var deployment = await ClusterDeployment.StartAsync(services, "durable_", silos: 2, Ct);
        var before = deployment.CreateGateway();
        var (players, code) = await RoomKit.StartedRoomAsync(before.CreateClient(), Ct);
        await RoomKit.PlayRoundAsync(players, code, 1, Ct);
        await RoomKit.PlayRoundAsync(players, code, 2, Ct);
        // Round 3's revisions are recorded only in round_choices until its consensus writes the room's state.
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 3, 0, 2, Ct), HttpStatusCode.Created);
        var acknowledged = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 3, 1, 5, Ct, submissionId: "durable-3"), HttpStatusCode.Created);
        var roomBefore = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));

        await before.DisposeAsync();
        await deployment.StopAllSilosAsync(Ct);
        await deployment.StartSiloAsync(Ct);
        var after = deployment.CreateGateway().CreateClient();
        var resumed = players.Select(p => p with { Client = after }).ToArray();

        var roomAfter = await HttpAssert.OkAsync<JsonElement>(await resumed[1].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(3, roomAfter.GetProperty("current_round").GetInt32());
        Assert.Equal("started", roomAfter.GetProperty("phase").GetString());
        Assert.Equal(roomBefore.GetProperty("participants").GetRawText(), roomAfter.GetProperty("participants").GetRawText());
        Assert.Equal([players[0].UserId], roomAfter.GetProperty("chosen_this_round").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        Assert.Equal(roomBefore.GetProperty("scenario").GetRawText(), roomAfter.GetProperty("scenario").GetRawText());
        Assert.Equal(roomBefore.GetProperty("version").GetInt32(), roomAfter.GetProperty("version").GetInt32());

        // A retry of the last acknowledged revision, say after a reconnect, replays its answer.
        var retried = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(resumed[0], code, 3, 1, 5, Ct, submissionId: "durable-3"), HttpStatusCode.Created);
        Assert.True(retried.GetProperty("replayed").GetBoolean());
        Assert.Equal(2, retried.GetProperty("revision").GetInt32());
        Assert.Equal(acknowledged.GetProperty("recorded_at").GetDateTimeOffset(), retried.GetProperty("recorded_at").GetDateTimeOffset());

        await RoomKit.ChooseAsync(resumed[1], code, 3, 0, 3, Ct);
        await RoomKit.ChooseAsync(resumed[2], code, 3, 0, 3, Ct);
        // The choice's id, reused for the consensus after the restart, records the consensus
        // (ids are scoped per operation, in the receipts read back too); its retry replays it.
        var consensus = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(resumed[0], code, 3, 0, 4, Ct, submissionId: "durable-3"), HttpStatusCode.Created);
        Assert.False(consensus.GetProperty("replayed").GetBoolean());
        Assert.Equal(4, consensus.GetProperty("current_round").GetInt32());
        Assert.True((await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(resumed[0], code, 3, 0, 4, Ct, submissionId: "durable-3"), HttpStatusCode.Created)).GetProperty("replayed").GetBoolean());
        await RoomKit.PlayRoundAsync(resumed, code, 4, Ct);
        await RoomKit.PlayRoundAsync(resumed, code, 5, Ct);

        var statistics = await HttpAssert.OkAsync<JsonElement>(await resumed[0].GetAsync($"/rooms/{code}/statistics", Ct));
        Assert.Equal("finished", statistics.GetProperty("phase").GetString());
        var third = statistics.GetProperty("rounds")[2].GetProperty("choices").EnumerateArray().Single(c => c.GetProperty("user_id").GetInt64() == players[0].UserId);
        Assert.Equal(1, third.GetProperty("choice").GetInt32());
        Assert.Equal(5, third.GetProperty("confidence").GetInt32());
        Assert.Equal((3L, 15L, 5L), await ResearchRows.CountAsync(deployment.MySqlConnectionString, code));
    }
}
