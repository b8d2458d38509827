using System.Net;
using Dapper;
using Dilemma.Gateway.Errors;
using Dilemma.Grains.Storage;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Orleans.Configuration;

namespace Dilemma.Tests.Failover;

/// <summary>
/// A batch of concurrent choices is acknowledged only after its COMMIT: with a MariaDB of this class's own, the
/// silo's group commit is held inside a batch (another connection holds a lock one of its rows needs), MariaDB is
/// SIGKILLed there, and no request of that batch gets 201 nor leaves its row behind. Real gateway over HTTP.
/// </summary>
public sealed class GroupCommitOutageTests(LocalServices services)
{
    private const int BatchRooms = 8;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_database_killed_mid_batch_gives_no_request_of_the_batch_201_and_leaves_none_of_its_rows()
    {
        var directory = RunDirectory.Create();
        try
        {
            await using var mariaDb = await MariaDbServer.StartAsync(Path.Combine(directory, "mariadb"), Ct);
            await using var deployment = await ClusterDeployment.CreateAsync(mariaDb.RootConnectionString, await services.GetRedisConnectionStringAsync(Ct), "groupcommit_", Ct, migrate: true);
            var silo = await deployment.StartSiloAsync(Ct);
            var groupCommit = silo.Services.GetRequiredService<MySqlGroupCommit>();
            // The first choice is held on its lock while the batch queues one by one; on a busy machine that outlasts the
            // default 8 s, and a timeout would answer 503 for the wrong reason. The batch's 503s must come from the kill.
            var gateway = deployment.CreateGateway(services: s => s.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = Deadline));
            using var client = new HttpClient { BaseAddress = gateway.StartKestrel() };
            var rooms = await Task.WhenAll(Enumerable.Range(0, BatchRooms + 1).Select(_ => RoomKit.StartedRoomAsync(client, Ct)));
            var (firstPlayers, firstCode) = rooms[0];
            var batch = rooms[1..];

            // The first write takes the writer loop and waits there on a lock: the batch's choices queue behind it.
            await using var firstLock = await LockRoomAsync(deployment.MySqlConnectionString, firstCode);
            await using var batchLock = await LockRoomAsync(deployment.MySqlConnectionString, batch[^1].Code);
            var first = RoomKit.ChooseAsync(firstPlayers[0], firstCode, 1, 1, 3, Ct);
            var seen = new LockWaits([]);
            await Eventually.UntilAsync(
                async () =>
                {
                    if (first.IsCompleted)
                    {
                        Assert.Fail($"The first choice was answered ({await DescribeAsync(first)}) before it waited on its lock; waiting: {seen}.");
                    }

                    seen = await LockWaits.ReadAsync(deployment.MySqlConnectionString);
                    return seen.RowsOf(firstCode) >= 0;
                },
                Deadline,
                () => $"the first choice to wait on its lock; waiting: {seen}",
                Ct,
                LockWaits.PollEvery);

            // Queued one after another, so the batch runs them in this order and the locked room's comes last.
            var choices = new List<Task<HttpResponseMessage>>();
            foreach (var (players, code) in batch)
            {
                choices.Add(RoomKit.ChooseAsync(players[0], code, 1, 0, 4, Ct));
                await Eventually.UntilAsync(() => Task.FromResult(groupCommit.Waiting == choices.Count), Deadline, $"{choices.Count} choices queued for the next commit", Ct);
            }

            // The first commits and is acknowledged; the next batch takes every queued choice, writes all but the
            // last row and waits on that one's lock: mid-batch, nothing of it committed.
            await ExecuteAsync(firstLock, "COMMIT");
            await HttpAssert.OkAsync<System.Text.Json.JsonElement>(await first, HttpStatusCode.Created);
            await Eventually.UntilAsync(
                async () =>
                {
                    seen = await LockWaits.ReadAsync(deployment.MySqlConnectionString);
                    return groupCommit.Waiting == 0 && seen.RowsOf(batch.Select(room => room.Code)) >= BatchRooms - 1;
                },
                Deadline,
                () => $"the batch to have written {BatchRooms - 1} rows and to wait on the locked one; queued: {groupCommit.Waiting}, waiting: {seen}",
                Ct,
                LockWaits.PollEvery);
            Assert.All(choices, choice => Assert.False(choice.IsCompleted, "A choice was answered before its batch committed."));

            await mariaDb.KillAsync(Ct);

            foreach (var choice in choices)
            {
                await HttpAssert.ProblemAsync(await choice, HttpStatusCode.ServiceUnavailable, ProblemExceptionHandler.OutcomeUnknown);
            }

            await mariaDb.StartAgainAsync(Ct);
            await using var connection = new MySqlConnection(deployment.MySqlConnectionString);
            await connection.OpenAsync(Ct);
            Assert.Equal(1L, await CountChoicesAsync(connection, [firstCode]));
            Assert.Equal(0L, await CountChoicesAsync(connection, batch.Select(room => room.Code).ToArray()));
        }
        finally
        {
            RunDirectory.Delete(directory);
        }
    }

    /// <summary>A connection of its own (not pooled: it dies with the server) holding the room's row until COMMIT.</summary>
    private static async Task<MySqlConnection> LockRoomAsync(string connectionString, string code)
    {
        var connection = new MySqlConnection(new MySqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(Ct);

        // A choice's insert checks its room's row (the foreign key) with a shared lock, which this exclusive one blocks.
        await using var command = new MySqlCommand("START TRANSACTION; SELECT room_code FROM rooms WHERE room_code = @code FOR UPDATE", connection);
        command.Parameters.AddWithValue("@code", code);
        await command.ExecuteNonQueryAsync(Ct);
        return connection;
    }

    private static async Task ExecuteAsync(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<string> DescribeAsync(Task<HttpResponseMessage> answer)
    {
        var response = await answer;
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}";
    }

    /// <summary>The transactions waiting on a lock: the rows each has written so far and the statement that waits.</summary>
    private sealed record LockWaits(IReadOnlyList<(long Rows, string Query)> Transactions)
    {
        /// <summary>
        /// InnoDB refreshes what its <c>innodb_trx</c> table shows only when it has not been read for 0.1 s: read
        /// more often and it keeps showing what it showed first (this test, polling every 50 ms, once waited 60 s on it).
        /// </summary>
        public static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(250);

        public static async Task<LockWaits> ReadAsync(string connectionString)
        {
            await using var connection = new MySqlConnection(connectionString);
            var waiting = await connection.QueryAsync<(long, string)>(new CommandDefinition(
                "SELECT trx_rows_modified, COALESCE(trx_query, '') FROM information_schema.innodb_trx WHERE trx_state = 'LOCK WAIT'", cancellationToken: Ct));
            return new LockWaits(waiting.ToList());
        }

        /// <summary>
        /// The rows written so far (InnoDB may count the waiting one) by the waiting transaction whose statement
        /// names one of the rooms <paramref name="codes"/>; -1 while none does. Another transaction waiting beside it
        /// (one of the silo's own, on a busy machine) does not matter.
        /// </summary>
        public long RowsOf(params IEnumerable<string> codes) =>
            Transactions.Where(t => codes.Any(code => t.Query.Contains($"'{code}'", StringComparison.Ordinal))).Select(t => t.Rows).DefaultIfEmpty(-1).Max();

        public override string ToString() =>
            Transactions.Count == 0 ? "none" : string.Join("; ", Transactions.Select(t => $"{t.Rows} rows, {t.Query[..Math.Min(t.Query.Length, 160)]}"));
    }

    private static Task<long> CountChoicesAsync(MySqlConnection connection, string[] codes) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM round_choices WHERE room_code IN @codes", new { codes }, cancellationToken: Ct));
}
