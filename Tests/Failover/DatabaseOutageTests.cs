using System.Net;
using System.Net.WebSockets;
using Dilemma.Gateway.Errors;
using Dilemma.Grains.Storage;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Realtime;
using Dilemma.Tests.Research;
using Dilemma.Tests.Rooms;
using MySqlConnector;

namespace Dilemma.Tests.Failover;

/// <summary>
/// A MariaDB of this class's own, SIGKILLed under a cluster-mode gateway and a silo: while it is down the
/// gateway answers 503 with a problem code and Retry-After (a storage error reaches the gateway over Orleans),
/// never 500; once it is back the very same request succeeds.
/// </summary>
public sealed class DatabaseOutageTests(LocalServices services)
{
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_unreachable_database_answers_503_with_a_code_and_the_same_request_succeeds_once_it_is_back()
    {
        var directory = RunDirectory.Create();
        try
        {
            await using var mariaDb = await MariaDbServer.StartAsync(Path.Combine(directory, "mariadb"), Ct);
            await using var deployment = await ClusterDeployment.CreateAsync(mariaDb.RootConnectionString, await services.GetRedisConnectionStringAsync(Ct), "outage_", Ct, migrate: true);
            await deployment.StartSiloAsync(Ct);
            var gateway = deployment.CreateGateway();
            using var client = gateway.CreateClient();
            var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
            var submission = Guid.NewGuid().ToString();

            await mariaDb.KillAsync(Ct);

            // A write (the room's state write fails): its outcome is unknown, and the retry with the same id is safe.
            var choice = await RoomKit.ChooseAsync(players[0], code, 1, 1, 3, Ct, submission);
            await HttpAssert.ProblemAsync(choice, HttpStatusCode.ServiceUnavailable, ProblemExceptionHandler.OutcomeUnknown);
            Assert.Equal("1", choice.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            // A sign-in (the account store's own connection fails) is a write too.
            var guest = await client.PostJsonAsync("/auth/guest", new { nickname = "outage" }, Ct);
            await HttpAssert.ProblemAsync(guest, HttpStatusCode.ServiceUnavailable, ProblemExceptionHandler.OutcomeUnknown);
            Assert.NotNull(guest.Headers.RetryAfter);

            await mariaDb.StartAgainAsync(Ct);

            // Pooled connections to the killed server fail once each before the pool lets go of them: retried, with a deadline.
            var deadline = DateTime.UtcNow + RecoveryBound;
            HttpResponseMessage retried;
            while ((retried = await RoomKit.ChooseAsync(players[0], code, 1, 1, 3, Ct, submission)).StatusCode != HttpStatusCode.Created)
            {
                await HttpAssert.ProblemAsync(retried, HttpStatusCode.ServiceUnavailable, ProblemExceptionHandler.OutcomeUnknown);
                Assert.True(DateTime.UtcNow < deadline, $"The choice did not succeed within {RecoveryBound.TotalSeconds:0} s of MariaDB answering again.");
                await Task.Delay(TimeSpan.FromMilliseconds(100), Ct);
            }

            await using var connection = new MySqlConnection(deployment.MySqlConnectionString);
            await connection.OpenAsync(Ct);
            await using var count = new MySqlCommand("SELECT COUNT(*) FROM round_choices WHERE room_code = @code AND user_id = @user", connection);
            count.Parameters.AddWithValue("@code", code);
            count.Parameters.AddWithValue("@user", players[0].UserId);
            Assert.Equal(1L, Convert.ToInt64(await count.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            RunDirectory.Delete(directory);
        }
    }

    [Fact]
    public async Task A_socket_message_the_database_cannot_record_gets_an_error_frame_and_the_socket_stays_open()
    {
        var directory = RunDirectory.Create();
        try
        {
            await using var mariaDb = await MariaDbServer.StartAsync(Path.Combine(directory, "mariadb"), Ct);
            await using var deployment = await ClusterDeployment.CreateAsync(mariaDb.RootConnectionString, await services.GetRedisConnectionStringAsync(Ct), "outage_socket_", Ct, migrate: true);
            await deployment.StartSiloAsync(Ct);
            var gateway = deployment.CreateGateway();
            var address = gateway.StartKestrel();
            using var http = new HttpClient { BaseAddress = address };
            var (players, code) = await RoomKit.SeatedRoomAsync(http, Ct);
            await ResearchKit.ConsentAsync(players[0], data: true, Ct, voice: true);
            await using var a = await RealtimeKit.VoiceAsync(address, players[0], code, Ct);
            await a.SendAsync(new { type = "init" }, Ct);
            await a.NextAsync("session_state", Ct);

            await mariaDb.KillAsync(Ct);

            // The recording event is a research row: it cannot be written, and the client is told so on the socket.
            await a.SendAsync(new { type = "start_recording" }, Ct);
            var error = await a.NextAsync("error", Ct);
            Assert.Equal(ProblemExceptionHandler.StorageUnavailable, error.GetProperty("code").GetString());

            // The room lets go of its activation after a failed write, so what still answers during the outage is the socket itself.
            await a.SendAsync(new { type = "ping" }, Ct);
            await a.NextAsync("pong", Ct);
            Assert.Equal(WebSocketState.Open, a.State);
        }
        finally
        {
            RunDirectory.Delete(directory);
        }
    }

    /// <summary>The shapes the silo's filter sees: a refused connection alone, inside Orleans' storage error, or in an aggregate.</summary>
    [Fact]
    public async Task A_refused_connection_inside_a_storage_error_is_an_unreachable_database_and_a_rule_error_is_not()
    {
        var refused = new MySqlConnectionStringBuilder { Server = "127.0.0.1", Port = (uint)FreePort.Next(), ConnectionTimeout = 2, Pooling = false };
        await using var connection = new MySqlConnection(refused.ConnectionString);
        var error = await Assert.ThrowsAsync<MySqlException>(() => connection.OpenAsync(Ct));

        Assert.True(StorageFailure.IsUnreachableDatabase(error));
        Assert.True(StorageFailure.IsUnreachableDatabase(new OrleansException("Error from storage provider during WriteStateAsync", error)));
        Assert.True(StorageFailure.IsUnreachableDatabase(new AggregateException(error)));
        Assert.False(StorageFailure.IsUnreachableDatabase(new InvalidOperationException("not a database error")));
    }
}
