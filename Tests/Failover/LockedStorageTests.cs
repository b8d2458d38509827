using System.Net;
using System.Text.Json;
using Dilemma.Gateway.Errors;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Rooms;
using MySqlConnector;

namespace Dilemma.Tests.Failover;

/// <summary>
/// <c>OrleansStorage</c> locked by another session (<c>LOCK TABLES … WRITE</c> here; a long transaction holding a room's
/// row waits the same way) under a cluster-mode gateway and a silo: a room's statement waits on the lock only until its
/// timeout (half of Cluster:ResponseTimeoutSeconds), and the request is answered 503 naming the database, as in an outage
/// (<see cref="DatabaseOutageTests"/>); once the lock goes, the very same requests succeed.
/// </summary>
public sealed class LockedStorageTests(LocalServices services)
{
    // Longer than any answer may take (Cluster:ResponseTimeoutSeconds is 8): a request still waiting then has hung.
    private static readonly TimeSpan AnswerBound = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// The write waited the driver's 30 s on the lock, holding the room: the gateway gave up at its response timeout with
    /// "the game servers did not answer", and so did every call queued behind it, a read of the room included.
    /// </summary>
    [Fact]
    public async Task A_room_whose_storage_is_locked_answers_503_naming_the_database_and_works_once_it_is_unlocked()
    {
        await using var deployment = await ClusterDeployment.StartAsync(services, "locked_", silos: 1, Ct);
        using var client = deployment.CreateGateway().CreateClient();
        client.Timeout = AnswerBound;
        var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
        for (var i = 0; i < players.Length; i++)
        {
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[i], code, 1, i % 2, 3, Ct), HttpStatusCode.Created);
        }

        var submission = Guid.NewGuid().ToString("N");
        await using (var locker = new MySqlConnection(deployment.MySqlConnectionString))
        {
            await locker.OpenAsync(Ct);
            await ExecuteAsync(locker, "LOCK TABLES OrleansStorage WRITE");

            // The consensus writes the room's state: its outcome is unknown, as its row was written before.
            var consensus = await HttpAssert.ProblemAsync(
                await RoomKit.ConsensusAsync(players[0], code, 1, 1, 3, Ct, submission), HttpStatusCode.ServiceUnavailable, ProblemExceptionHandler.OutcomeUnknown);
            Assert.Equal(ProblemExceptionHandler.StorageOutcomeUnknownDetail, consensus.GetProperty("detail").GetString());

            // The failed write let the room go; reading it activates it again, which reads its state.
            await HttpAssert.ProblemAsync(await players[1].GetAsync($"/rooms/{code}", Ct), HttpStatusCode.ServiceUnavailable, ProblemExceptionHandler.StorageUnavailable);

            await ExecuteAsync(locker, "UNLOCK TABLES");
        }

        var decided = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 1, 1, 3, Ct, submission), HttpStatusCode.Created);
        Assert.Equal(2, decided.GetProperty("current_round").GetInt32());
        var room = await HttpAssert.OkAsync<JsonElement>(await players[1].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(2, room.GetProperty("current_round").GetInt32());
    }

    private static async Task ExecuteAsync(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
