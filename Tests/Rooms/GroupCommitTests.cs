using System.Net;
using System.Text.Json;
using Dapper;
using Dilemma.Grains.Research;
using Dilemma.Grains.Storage;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using MySqlConnector;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// Choices and consensus go through each silo's group commit (<see cref="MySqlGroupCommit"/>): concurrent ones
/// from many rooms on two silos land exactly as answered, and one row's own error fails that write alone.
/// </summary>
public sealed class GroupCommitTests(ClusterKestrelFixture cluster) : IClassFixture<ClusterKestrelFixture>
{
    private const int Rooms = 12;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Concurrent_choices_and_revisions_from_many_rooms_are_stored_exactly_as_answered()
    {
        var rooms = await Task.WhenAll(Enumerable.Range(0, Rooms).Select(_ => RoomKit.StartedRoomAsync(cluster.Client, Ct)));
        var seats = rooms.SelectMany(room => room.Players.Select((player, i) => (room.Code, Player: player, Seat: i))).ToList();

        // Every seat at once, then every seat's revision at once: the first are inserts, the second updates in place.
        var expected = new List<(string, long, int, int, int, string)>();
        var submitted = new List<(string, long, int, int, int, string)>();
        foreach (var revision in new[] { 1, 2 })
        {
            var answers = await Task.WhenAll(seats.Select(async seat =>
            {
                var (choice, confidence, submission) = ((seat.Seat + revision) % 2, 1 + ((seat.Seat + revision) % 5), Guid.NewGuid().ToString());
                var response = await RoomKit.ChooseAsync(seat.Player, seat.Code, 1, choice, confidence, Ct, submission);
                var receipt = await HttpAssert.OkAsync<JsonElement>(response, HttpStatusCode.Created);
                Assert.Equal(revision, receipt.GetProperty("revision").GetInt32());
                return (seat.Code, seat.Player.UserId, choice, confidence, revision, submission);
            }));
            expected = [.. answers];
            submitted.AddRange(answers);
        }

        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var stored = await connection.QueryAsync<(string, long, int, int, int, string)>(new CommandDefinition(
            "SELECT room_code, user_id, choice, confidence, revision, submission_id FROM round_choices WHERE room_code IN @codes AND round_number = 1",
            new { codes = rooms.Select(room => room.Code).ToArray() },
            cancellationToken: Ct));
        Assert.Equal(expected.Order(), stored.Order());

        // The history holds every revision: a batch's history rows go in as one multi-row INSERT.
        var history = await connection.QueryAsync<(string, long, int, int, int, string)>(new CommandDefinition(
            "SELECT room_code, user_id, choice, confidence, revision, submission_id FROM round_choice_submissions WHERE room_code IN @codes AND round_number = 1",
            new { codes = rooms.Select(room => room.Code).ToArray() },
            cancellationToken: Ct));
        Assert.Equal(submitted.Order(), history.Order());

        // And each room's consensus, all at once.
        var consensus = await Task.WhenAll(rooms.Select(room => RoomKit.ConsensusAsync(room.Players[0], room.Code, 1, 1, 4, Ct)));
        Assert.All(consensus, response => Assert.Equal(HttpStatusCode.Created, response.StatusCode));
        var agreed = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM consensus_choices WHERE room_code IN @codes AND round_number = 1 AND choice = 1 AND confidence = 4",
            new { codes = rooms.Select(room => room.Code).ToArray() },
            cancellationToken: Ct));
        Assert.Equal(Rooms, agreed);
    }

    [Fact]
    public async Task A_row_that_breaks_a_constraint_fails_alone_and_the_rest_of_its_batch_commits()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(cluster.Client, Ct);
        var (_, heldCode) = await RoomKit.StartedRoomAsync(cluster.Client, Ct);
        await using var dataSource = new MySqlDataSource(cluster.Deployment.MySqlConnectionString);
        await using var groupCommit = new MySqlGroupCommit(dataSource);
        var store = new MySqlResearchStore(dataSource, groupCommit);
        var at = DateTime.UtcNow;

        // Round 5, which the game has not reached: these rows are the test's alone. The first write holds the
        // writer loop (its room's row is locked), so the others queue and go into one batch once it commits.
        await using var holder = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        await holder.OpenAsync(Ct);
        await using var hold = await holder.BeginTransactionAsync(Ct);
        await holder.ExecuteAsync(new CommandDefinition("SELECT room_code FROM rooms WHERE room_code = @heldCode FOR UPDATE", new { heldCode }, hold, cancellationToken: Ct));
        var held = store.RecordChoiceAsync(new ChoiceRecord(heldCode, players[0].UserId, 5, 1, 1, 1, "held", at), Ct);
        await Eventually.UntilAsync(() => Task.FromResult(groupCommit.Waiting == 0), Deadline, "the held write to be taken", Ct);

        var good = new[]
        {
            store.RecordChoiceAsync(new ChoiceRecord(code, players[0].UserId, 5, 0, 2, 1, "first", at), Ct),
            // A revision whose row is missing: the UPDATE finds none, so the insert follows in the same transaction.
            store.RecordChoiceAsync(new ChoiceRecord(code, players[1].UserId, 5, 1, 3, 2, "missing-row", at), Ct),
        };
        var broken = store.RecordChoiceAsync(new ChoiceRecord(code, long.MaxValue, 5, 1, 3, 1, "no-such-user", at), Ct);
        var last = store.RecordConsensusAsync(new ConsensusRecord(code, 5, 1, 5, players[2].UserId, "consensus", at), Ct);
        Assert.Equal(4, groupCommit.Waiting);

        await hold.CommitAsync(Ct);
        await held;
        await Task.WhenAll(good);
        await last;
        var error = await Assert.ThrowsAsync<MySqlException>(() => broken);
        Assert.Equal(MySqlErrorCode.NoReferencedRow2, error.ErrorCode);

        var stored = await holder.QueryAsync<(long, int, int, int, string)>(new CommandDefinition(
            "SELECT user_id, choice, confidence, revision, submission_id FROM round_choices WHERE room_code = @code AND round_number = 5",
            new { code },
            cancellationToken: Ct));
        (long, int, int, int, string)[] expected = [(players[0].UserId, 0, 2, 1, "first"), (players[1].UserId, 1, 3, 2, "missing-row")];
        Assert.Equal(expected.Order(), stored.Order());
        Assert.Equal(1L, await holder.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM consensus_choices WHERE room_code = @code AND round_number = 5 AND submission_id = 'consensus'", new { code }, cancellationToken: Ct)));
    }
}
