using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dilemma.Gateway.Errors;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Ai;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Research;
using Dilemma.Tests.Rooms;
using Dilemma.Tests.Sessions;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Failover;

/// <summary>
/// Every grain that reads the database when it activates or on its first call, activated again while MariaDB is down: a
/// cluster-mode gateway and a silo on a MariaDB of their own, SIGKILLed once everything the tests read was made, and every
/// activation then collected, so each test's grains activate anew and find no database. A read is 503
/// <c>storage_unavailable</c> and a write 503 <c>outcome_unknown</c>, never 500; the catalog, which reads no storage, still
/// answers. Rooms are shown in <see cref="LockedStorageTests"/> and <see cref="ActivationFailureTests"/>.
/// </summary>
public sealed class UnreachableDatabaseTests(UnreachableDatabaseTests.Cluster cluster) : IClassFixture<UnreachableDatabaseTests.Cluster>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Its state (<c>OrleansStorage</c>) is read as it activates.</summary>
    [Fact]
    public async Task A_session_is_503_storage_unavailable_to_a_read_and_outcome_unknown_to_an_enrolment()
    {
        await ReadAsync(cluster.Facilitator, $"/sessions/{cluster.SessionToRead}");
        await WriteAsync(await SessionKit.EnrolAsync(cluster.Student, cluster.SessionToEnrol, Ct));
    }

    /// <summary>The user grain reads its account on every call, the first after activation included.</summary>
    [Fact]
    public async Task A_user_is_503_storage_unavailable_to_a_read_and_outcome_unknown_to_a_consent_change()
    {
        await ReadAsync(cluster.User, "/auth/me");
        await ReadAsync(cluster.User, "/auth/me/data");
        await WriteAsync(await cluster.User.Client.SendAsync(
            AuthClient.Authorized(HttpMethod.Patch, "/auth/me/consent", cluster.User.Tokens.AccessToken, JsonContent.Create(new { data_consent = false }, options: HttpAssert.Json)), Ct));
    }

    /// <summary>The accounts grain (roles) and the research grains read our tables on every call.</summary>
    [Fact]
    public async Task Roles_research_statistics_counts_and_the_export_ledger_are_503_storage_unavailable()
    {
        await ReadAsync(cluster.Admin, $"/admin/users/{cluster.User.UserId}/roles");
        await ReadAsync(cluster.Researcher, "/research/statistics");
        await ReadAsync(cluster.Researcher, ResearchKit.Counts);
        await ReadAsync(cluster.Researcher, ResearchKit.Ledger);
    }

    /// <summary>The lobby lists rooms from the research tables.</summary>
    [Fact]
    public async Task The_lobby_is_503_storage_unavailable()
    {
        await ReadAsync(cluster.Lobby, "/rooms/");
    }

    /// <summary>
    /// A generated scenario's state is read as it activates; a room opened on it asks the catalog, which asks the scenario; a
    /// keyed creation first reads its user's creation record (<c>RoomCreationGrain</c>'s state) as that activates.
    /// </summary>
    [Fact]
    public async Task A_generated_scenario_and_a_keyed_room_creation_are_503_and_the_bank_still_answers()
    {
        await ReadAsync(cluster.Author, $"/ai/scenarios/{cluster.GeneratedScenario}");
        await WriteAsync(await cluster.Author.PostAsync("/rooms/private", new { title = "On a generated scenario", scenario_id = cluster.GeneratedScenario }, Ct));
        await WriteAsync(await cluster.Creator.PostAsync("/rooms/public", new { title = "Keyed", topic = RoomKit.Topic }, Ct, idempotencyKey: Guid.NewGuid().ToString()));

        await HttpAssert.OkAsync<JsonElement>(await cluster.Author.GetAsync($"/scenarios/{RoomKit.Topic}", Ct));
    }

    /// <summary>
    /// Kubernetes routes to a gateway while /health/serving says so: every gateway shares the database, so its outage must
    /// not take them all out of the Service (the voice relay and the catalog need no database); /health/ready says what is down.
    /// </summary>
    [Fact]
    public async Task The_gateway_goes_on_serving_and_its_readiness_names_the_database()
    {
        var ready = await cluster.Lobby.Client.GetAsync("/health/ready", Ct);
        var serving = await cluster.Lobby.Client.GetAsync("/health/serving", Ct);

        var readyBody = await ready.Content.ReadAsStringAsync(Ct);
        Assert.True(ready.StatusCode == HttpStatusCode.ServiceUnavailable, readyBody);
        Assert.Contains("MySQL did not answer", readyBody, StringComparison.Ordinal);
        var servingBody = await HttpAssert.OkAsync<JsonElement>(serving);
        Assert.Equal("serving", servingBody.GetProperty("status").GetString());
        Assert.Equal("A silo answered.", Assert.Single(servingBody.GetProperty("checks").EnumerateArray()).GetProperty("description").GetString());
    }

    /// <summary>
    /// The client is told only which kind of unavailable; the operator's log has why, by request, which nothing recorded
    /// before (the silo hands the database's error over without logging it).
    /// </summary>
    [Fact]
    public async Task A_503_is_logged_with_the_request_and_the_databases_own_error()
    {
        var answer = await cluster.Lobby.GetAsync("/rooms/?topic=medication-ai", Ct);
        var body = await answer.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);

        var logged = CapturedLogs.WhatWasLoggedFor(body);
        Assert.Contains("Warning Dilemma.Gateway.Errors.ProblemExceptionHandler: GET /rooms/ answered 503 storage_unavailable: The database could not be reached: ", logged, StringComparison.Ordinal);
        Assert.Contains(cluster.Gateway.Logs.Lines, line => logged.Contains(line, StringComparison.Ordinal));
    }

    private static async Task ReadAsync(Player player, string path)
    {
        var answer = await player.GetAsync(path, Ct);
        await HttpAssert.ProblemAsync(answer, HttpStatusCode.ServiceUnavailable, ProblemExceptionHandler.StorageUnavailable);
        Assert.NotNull(answer.Headers.RetryAfter);
    }

    private static async Task WriteAsync(HttpResponseMessage answer)
    {
        await HttpAssert.ProblemAsync(answer, HttpStatusCode.ServiceUnavailable, ProblemExceptionHandler.OutcomeUnknown);
        Assert.NotNull(answer.Headers.RetryAfter);
    }

    /// <summary>The deployment, and what each test reads, made while MariaDB was up; then MariaDB is killed.</summary>
    public sealed class Cluster(LocalServices services) : IAsyncLifetime
    {
        private readonly string _directory = RunDirectory.Create();
        private MariaDbServer? _mariaDb;
        private ClusterDeployment? _deployment;
        private HttpClient? _client;

        public GatewayFactory Gateway { get; private set; } = null!;

        public Player Facilitator { get; private set; } = null!;

        public string SessionToRead { get; private set; } = null!;

        public string SessionToEnrol { get; private set; } = null!;

        public Player Student { get; private set; } = null!;

        public Player User { get; private set; } = null!;

        public Player Admin { get; private set; } = null!;

        public Player Researcher { get; private set; } = null!;

        public Player Lobby { get; private set; } = null!;

        public Player Author { get; private set; } = null!;

        public string GeneratedScenario { get; private set; } = null!;

        public Player Creator { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            var ct = TestContext.Current.CancellationToken;
            _mariaDb = await MariaDbServer.StartAsync(Path.Combine(_directory, "mariadb"), ct);
            _deployment = await ClusterDeployment.CreateAsync(_mariaDb.RootConnectionString, await services.GetRedisConnectionStringAsync(ct), "unreachable_", ct, migrate: true);
            await _deployment.StartSiloAsync(ct);
            var gateway = Gateway = _deployment.CreateGateway();
            _client = gateway.CreateClient();
            var grains = gateway.Services.GetRequiredService<IGrainFactory>();

            Facilitator = await SessionKit.FacilitatorAsync(_client, grains, ct);
            SessionToRead = SessionKit.Code(await SessionKit.CreateAsync(Facilitator, ct));
            SessionToEnrol = SessionKit.Code(await SessionKit.CreateAsync(Facilitator, ct));
            Student = await RoomKit.GuestAsync(_client, ct);
            User = await RoomKit.GuestAsync(_client, ct);
            Admin = new Player(_client, await Roles.NewAccountWithAsync(_client, grains, "admin", ct, prefix: "adm"));
            Researcher = await ResearchKit.ResearcherAsync(_client, grains, ct);
            Lobby = await RoomKit.GuestAsync(_client, ct);
            Author = await RoomKit.GuestAsync(_client, ct);
            GeneratedScenario = (await AiKit.GeneratedAsync(Author, new { topic = "medication-ai", seed = 7 }, ct)).GetProperty("scenario_id").GetString()!;
            Creator = await RoomKit.GuestAsync(_client, ct);

            await _mariaDb.KillAsync(ct);
            await grains.GetGrain<Orleans.Runtime.IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero, ct);
        }

        public async ValueTask DisposeAsync()
        {
            _client?.Dispose();
            if (_deployment is not null)
            {
                await _deployment.DisposeAsync();
            }

            if (_mariaDb is not null)
            {
                await _mariaDb.DisposeAsync();
            }

            RunDirectory.Delete(_directory);
        }
    }
}
