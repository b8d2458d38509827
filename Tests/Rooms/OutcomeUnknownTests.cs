using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Dapper;
using Dilemma.Gateway.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Orleans.Configuration;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// Issue 20: a grain call whose answer does not come back in time may still have committed. The gateway
/// says so (503 <c>outcome_unknown</c>, safe to retry with the same key), and the retry with the same
/// <c>Idempotency-Key</c> gets the first answer. Cluster mode on MariaDB, with a real response timeout:
/// the silo holds the room's call past the gateway's (shortened) <c>ResponseTimeout</c>, then lets it run.
/// </summary>
public sealed class OutcomeUnknownTests(LocalServices services)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_call_that_times_out_is_503_outcome_unknown_and_its_retry_with_the_same_key_gets_the_first_answer()
    {
        var held = new HeldRoomCalls();
        await using var deployment = await ClusterDeployment.CreateAsync(services, "outcome_", Ct);
        await deployment.StartSiloAsync(Ct, builder => builder.Services.AddSingleton<IIncomingGrainCallFilter>(held));
        var gateway = deployment.CreateGateway(services: s => s.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(2)));
        using var client = gateway.CreateClient();
        var (players, code) = await RoomKit.SeatedRoomAsync(client, Ct);
        var key = Guid.NewGuid().ToString();
        var (release, ran) = held.Hold(code);

        var lost = await players[0].PostAsync($"/rooms/{code}/start", null, Ct, key);

        var problem = await HttpAssert.ProblemAsync(lost, HttpStatusCode.ServiceUnavailable, "outcome_unknown");
        Assert.Contains("Idempotency-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), lost.Headers.RetryAfter?.Delta);

        // The call the client gave up on now runs and commits: the effect whose answer was lost.
        release.SetResult();
        await ran.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var retry = await players[0].PostAsync($"/rooms/{code}/start", null, Ct, key);
        var retryBody = await retry.Content.ReadAsStringAsync(Ct);
        Assert.True(retry.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)retry.StatusCode}: {retryBody}");
        var answer = JsonDocument.Parse(retryBody).RootElement;
        Assert.Equal("started", answer.GetProperty("phase").GetString());
        Assert.Equal(1, answer.GetProperty("current_round").GetInt32());
        var again = await players[0].PostAsync($"/rooms/{code}/start", null, Ct, key);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(retryBody, await again.Content.ReadAsStringAsync(Ct));

        await using var connection = new MySqlConnection(deployment.MySqlConnectionString);
        var statuses = (await connection.QueryAsync<string>(new CommandDefinition("SELECT status FROM rooms WHERE room_code = @code", new { code }, cancellationToken: Ct))).ToList();
        Assert.Equal(["started"], statuses);
    }

    /// <summary>
    /// The failure issue 20 found: a room creation executed, its answer lost, and the retry opened a
    /// second room. Here the first attempt's answer is lost for real and the retry under the same key
    /// gets the room the first attempt opened: one row in MariaDB, listed once.
    /// </summary>
    [Fact]
    public async Task A_creation_whose_answer_was_lost_is_answered_by_its_retry_with_the_same_room()
    {
        var held = new HeldRoomCalls();
        await using var deployment = await ClusterDeployment.CreateAsync(services, "outcome_", Ct);
        await deployment.StartSiloAsync(Ct, builder => builder.Services.AddSingleton<IIncomingGrainCallFilter>(held));
        var gateway = deployment.CreateGateway(services: s => s.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(2)));
        using var client = gateway.CreateClient();
        var host = await RoomKit.GuestAsync(client, Ct);
        var title = "Lost " + Guid.NewGuid().ToString("N")[..8];
        var body = new { title, topic = RoomKit.Topic };
        var key = Guid.NewGuid().ToString();
        var (release, ran) = held.HoldCreationBy(host.UserId);

        await HttpAssert.ProblemAsync(await host.PostAsync("/rooms/public", body, Ct, key), HttpStatusCode.ServiceUnavailable, "outcome_unknown");
        release.SetResult();
        await ran.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var retry = await HttpAssert.OkAsync<JsonElement>(await host.PostAsync("/rooms/public", body, Ct, key), HttpStatusCode.Created);

        await using var connection = new MySqlConnection(deployment.MySqlConnectionString);
        var codes = (await connection.QueryAsync<string>(new CommandDefinition("SELECT room_code FROM rooms WHERE title = @title", new { title }, cancellationToken: Ct))).ToList();
        Assert.Equal([RoomKit.Code(retry)], codes);
        var listed = await HttpAssert.OkAsync<JsonElement>(await host.GetAsync($"/rooms?topic={RoomKit.Topic}&page_size=100", Ct));
        Assert.Single(listed.GetProperty("items").EnumerateArray(), r => r.GetProperty("title").GetString() == title);
    }

    /// <summary>
    /// A consensus whose row was written and whose round could not then be closed in storage (the room row's update
    /// fails while it waits on a lock this test holds) left the consensus in the room's memory: its retry under the
    /// same submission_id was told 409 consensus_exists. Now the retry gets 201, and round 2 opens once. The failed
    /// attempt is answered 500 storage_error: the database's error, which Orleans cannot copy, crosses as one it can.
    /// </summary>
    [Fact]
    public async Task A_consensus_that_failed_after_its_row_was_written_is_recorded_by_its_retry_with_the_same_submission_id()
    {
        var (deployment, client, players, code) = await ChosenRoundOneAsync();
        await using var _ = deployment;
        using var __ = client;
        var submissionId = Guid.NewGuid().ToString("N");
        await ConsensusWrittenThenFailedAsync(deployment, players[0], code, choice: 1, submissionId);

        var retry = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 1, 1, 4, Ct, submissionId), HttpStatusCode.Created);
        Assert.Equal(submissionId, retry.GetProperty("submission_id").GetString());

        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(2, room.GetProperty("current_round").GetInt32());
        await using var connection = new MySqlConnection(deployment.MySqlConnectionString);
        Assert.Equal([(1, submissionId)], await ConsensusRowsAsync(connection, code));
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT current_round FROM rooms WHERE room_code = @code", new { code }, cancellationToken: Ct)));
    }

    /// <summary>
    /// The same failure, and then another player records a different consensus: the reactivated room did not know the
    /// first row, took the second decision (201), and the row kept the first, so the room and the export disagreed. The
    /// room now takes the decision its row holds: the second is consensus_exists, and the first's retry is replayed.
    /// </summary>
    [Fact]
    public async Task After_a_consensus_whose_row_was_written_failed_the_room_keeps_that_decision_and_refuses_another()
    {
        var (deployment, client, players, code) = await ChosenRoundOneAsync();
        await using var _ = deployment;
        using var __ = client;
        var submissionId = Guid.NewGuid().ToString("N");
        await ConsensusWrittenThenFailedAsync(deployment, players[0], code, choice: 1, submissionId);

        await HttpAssert.ProblemAsync(await RoomKit.ConsensusAsync(players[1], code, 1, 0, 2, Ct, Guid.NewGuid().ToString("N")), HttpStatusCode.Conflict, "consensus_exists");
        var retry = await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 1, 1, 4, Ct, submissionId), HttpStatusCode.Created);
        Assert.True(retry.GetProperty("replayed").GetBoolean());

        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(2, room.GetProperty("current_round").GetInt32());
        var decided = Assert.Single(room.GetProperty("consensus").EnumerateArray());
        Assert.Equal((1, 4, players[0].UserId), (decided.GetProperty("choice").GetInt32(), decided.GetProperty("confidence").GetInt32(), decided.GetProperty("submitted_by").GetInt64()));
        await using var connection = new MySqlConnection(deployment.MySqlConnectionString);
        Assert.Equal([(1, submissionId)], await ConsensusRowsAsync(connection, code));
    }

    /// <summary>A cluster on MariaDB whose room has round 1 chosen by all three, behind a gateway with a long response timeout.</summary>
    private async Task<(ClusterDeployment Deployment, HttpClient Client, Player[] Players, string Code)> ChosenRoundOneAsync()
    {
        var deployment = await ClusterDeployment.CreateAsync(services, "outcome_", Ct);
        await deployment.StartSiloAsync(Ct);

        // Long enough that the first answer is the killed statement's, not a response timeout's, on a busy machine.
        var client = deployment.CreateGateway(services: s => s.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(60))).CreateClient();
        var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
        foreach (var (player, i) in players.Select((p, i) => (p, i)))
        {
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(player, code, 1, i % 2, 3, Ct), HttpStatusCode.Created);
        }

        return (deployment, client, players, code);
    }

    /// <summary>
    /// Round 1's consensus whose row is written and whose round then cannot be closed: a shared lock on the room's row lets
    /// the consensus row in (its foreign key check shares it) and holds the round's progress update, which needs the row
    /// exclusively, until this kills it. The failed write deactivates the room.
    /// </summary>
    private static async Task ConsensusWrittenThenFailedAsync(ClusterDeployment deployment, Player submitter, string code, int choice, string submissionId)
    {
        var holder = new MySqlConnection(new MySqlConnectionStringBuilder(deployment.MySqlConnectionString) { Pooling = false }.ConnectionString);
        await using (holder)
        {
            await holder.OpenAsync(Ct);
            await holder.ExecuteAsync(new CommandDefinition("START TRANSACTION; SELECT room_code FROM rooms WHERE room_code = @code LOCK IN SHARE MODE", new { code }, cancellationToken: Ct));
            var first = RoomKit.ConsensusAsync(submitter, code, 1, choice, 4, Ct, submissionId);

            var waiting = await WaitingStatement.FindAsync(holder, "UPDATE rooms", code, "the round's progress update to wait on the room row", Ct);
            Assert.Equal(1L, await holder.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM consensus_choices WHERE room_code = @code", new { code }, cancellationToken: Ct)));

            await holder.ExecuteAsync(new CommandDefinition($"KILL QUERY {waiting}", cancellationToken: Ct));
            // The killed statement's error crosses from silo to gateway as one Orleans can copy, and is named as the database's.
            await HttpAssert.ProblemAsync(await first, HttpStatusCode.InternalServerError, ProblemExceptionHandler.StorageFailed);
            await holder.ExecuteAsync(new CommandDefinition("ROLLBACK", cancellationToken: Ct));
        }
    }

    private static async Task<List<(int Choice, string SubmissionId)>> ConsensusRowsAsync(MySqlConnection connection, string code) =>
        (await connection.QueryAsync<(int Choice, string SubmissionId)>(new CommandDefinition(
            "SELECT choice, submission_id FROM consensus_choices WHERE room_code = @code", new { code }, cancellationToken: Ct))).ToList();

    /// <summary>
    /// The other way an answer is lost: the silo holding the grain died mid-call, which Orleans reports
    /// with <see cref="SiloUnavailableException"/>. The gateway's one exception handler maps it like a timeout.
    /// </summary>
    [Fact]
    public async Task A_silo_that_became_unavailable_mid_call_is_503_outcome_unknown()
    {
        await using var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var handler = ActivatorUtilities.CreateInstance<ProblemExceptionHandler>(services);
        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();

        Assert.True(await handler.TryHandleAsync(context, new SiloUnavailableException("The target silo became unavailable for message: …"), Ct));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
        context.Response.Body.Position = 0;
        var problem = (await JsonDocument.ParseAsync(context.Response.Body, cancellationToken: Ct)).RootElement;
        Assert.Equal("outcome_unknown", problem.GetProperty("code").GetString());
        Assert.Contains("Idempotency-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Holds a room's keyed calls (<see cref="IRoomGame.RunOnceAsync"/>) inside the silo until the test
    /// releases them, then lets them run; <c>ran</c> completes when the held call has finished.
    /// </summary>
    private sealed class HeldRoomCalls : IIncomingGrainCallFilter
    {
        private readonly ConcurrentDictionary<string, (TaskCompletionSource Release, TaskCompletionSource Ran)> _held = new();

        public (TaskCompletionSource Release, TaskCompletionSource Ran) Hold(string code) =>
            _held.GetOrAdd(code, _ => (new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously)));

        /// <summary>Holds the next room creation of this user, whatever code it draws.</summary>
        public (TaskCompletionSource Release, TaskCompletionSource Ran) HoldCreationBy(long userId) => Hold(CreatorKey(userId));

        private static string CreatorKey(long userId) => $"creator:{userId}";

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            var keyed = context.InterfaceMethod?.Name == nameof(IRoomGrain.RunOnceAsync);
            var creation = keyed && context.Request.GetArgument(0) is RoomCommand { Kind: RoomCommandKind.Create } command ? CreatorKey(command.UserId) : null;
            if (!keyed
                || !(_held.TryRemove(context.TargetId.Key.ToString()!, out var gate) || (creation is not null && _held.TryRemove(creation, out gate))))
            {
                await context.Invoke();
                return;
            }

            await gate.Release.Task;
            try
            {
                await context.Invoke();
            }
            finally
            {
                gate.Ran.SetResult();
            }
        }
    }
}
