using System.Net;
using System.Text.Json;
using Dapper;
using Dilemma.Grains.Research;
using Dilemma.Grains.Storage;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Realtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// A started game everyone has left ends (Rooms:LeftGameEndsAfterSeconds): finished early with no actor, as a host's end
/// would, so that its players may withdraw their data and retention reaches it; a game someone is still connected to
/// plays on. And the sweep's question, on each store: which started games have had no row of any kind since a time.
/// </summary>
public abstract class LeftGameTests
{
    private static readonly DateTime LongAgo = new(2020, 1, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Cut = new(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Recent = new(2021, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The gateway's address, on real Kestrel, for sockets.</summary>
    protected abstract Uri Gateway { get; }

    /// <summary>This mode's research store, as the sweep reads it.</summary>
    protected abstract IResearchStore Store { get; }

    /// <summary>A user the seeded rows can name (MySQL's foreign keys want a real one).</summary>
    protected abstract Task<long> UserAsync();

    /// <summary>The room's <c>room_events</c> as stored: type and actor.</summary>
    protected abstract Task<IReadOnlyList<(string Type, long? Actor)>> EventsAsync(string roomCode);

    [Fact]
    public async Task A_started_game_everyone_left_ends_as_a_hosts_end_would_and_its_players_may_withdraw_while_one_with_a_socket_open_plays_on()
    {
        using var http = new HttpClient { BaseAddress = Gateway };

        // Someone stays connected to the older game, from before its rows could age; the other gets a round in and is left.
        var connected = await RoomKit.StartedRoomAsync(http, Ct);
        var (socket, _) = await RealtimeKit.JoinAsync(Gateway, connected.Players[0], connected.Code, Ct);
        await using var _socket = socket;
        var left = await RoomKit.StartedRoomAsync(http, Ct);
        await RoomKit.PlayRoundAsync(left.Players, left.Code, 1, Ct);

        JsonElement view = default;
        await Eventually.UntilAsync(
            async () =>
            {
                view = await HttpAssert.OkAsync<JsonElement>(await left.Players[1].GetAsync($"/rooms/{left.Code}", Ct));
                return view.GetProperty("phase").GetString() == "finished";
            },
            TimeSpan.FromSeconds(60),
            () => $"game {left.Code}, left by everyone, to end; it was {view}",
            Ct,
            TimeSpan.FromMilliseconds(200));

        // Ended by the server: when, and by nobody; the open round stays unplayed, the played one stays.
        Assert.Equal(JsonValueKind.String, view.GetProperty("ended_early_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, view.GetProperty("ended_early_by").ValueKind);
        Assert.Contains(("ended_early", (long?)null), await EventsAsync(left.Code));

        // What the game's end is for: its players may now withdraw, which a started game refuses.
        var erased = await HttpAssert.OkAsync<JsonElement>(
            await http.SendAsync(Accounts.AuthClient.Authorized(HttpMethod.Delete, "/auth/me/research-data", left.Players[1].Tokens.AccessToken), Ct));
        Assert.True(erased.GetProperty("rows_erased").GetInt64() > 0, erased.ToString());

        // The game someone is connected to is older, and quiet as long, yet plays on.
        var still = await HttpAssert.OkAsync<JsonElement>(await connected.Players[0].GetAsync($"/rooms/{connected.Code}", Ct));
        Assert.Equal("started", still.GetProperty("phase").GetString());
        Assert.DoesNotContain(await EventsAsync(connected.Code), e => e.Type == "ended_early");
        await HttpAssert.ProblemAsync(
            await http.SendAsync(Accounts.AuthClient.Authorized(HttpMethod.Delete, "/auth/me/research-data", connected.Players[1].Tokens.AccessToken), Ct),
            HttpStatusCode.Conflict,
            "game_in_progress");
    }

    [Fact]
    public async Task The_sweep_finds_only_started_games_with_no_row_of_any_kind_since_the_cut_oldest_first()
    {
        var user = await UserAsync();
        var names = new Dictionary<string, string>();

        // Two games quiet since long before the cut, started in this order: found, the older first.
        await StartedAsync("newer", LongAgo.AddMinutes(10));
        await StartedAsync("older", LongAgo.AddMinutes(5));

        // One row of each kind after the cut keeps a game out.
        await Store.RecordParticipantAsync(await StartedAsync("join", LongAgo), user, "late", Recent, Ct);
        var leave = await StartedAsync("leave", LongAgo);
        await Store.RecordParticipantAsync(leave, user, "early", LongAgo, Ct);
        await Store.RecordLeaveAsync(leave, user, Recent, Ct);
        await Store.RecordChoiceAsync(new ChoiceRecord(await StartedAsync("choice", LongAgo), user, 1, 1, 3, 2, null, Recent), Ct);
        await Store.RecordConsensusAsync(new ConsensusRecord(await StartedAsync("consensus", LongAgo), 1, 1, 3, user, null, Recent), Ct);
        await Store.RecordRoomEventAsync(new RoomEventRecord(await StartedAsync("room event", LongAgo), RoomEventType.Reconnecting, user, 1, null, false, Recent), Ct);
        await Store.RecordRecordingEventAsync(await StartedAsync("recording event", LongAgo), user, "recording_started", Recent, Ct);
        await Store.RecordAiInteractionAsync(new AiInteractionRecord(await StartedAsync("AI interaction", LongAgo), user, AiInteractionKind.Question, 1, Recent, "offline", null, "v1", false, null), Ct);
        await Store.RecordConnectionQualityAsync([new ConnectionQualityRecord(await StartedAsync("link report", LongAgo), user, null, 1, "connected", false, 9, 1, 50, 0, Recent)], Ct);

        // Started after the cut, finished, or never started: not a left game.
        await StartedAsync("started after the cut", Recent);
        var finished = await StartedAsync("finished", LongAgo);
        await Store.RecordRoomProgressAsync(new RoomProgress(finished, RoomStatus.Finished, 5, user, LongAgo, LongAgo.AddHours(1)), Ct);
        await WaitingAsync("waiting");

        var found = await Store.FindLeftGamesAsync(Cut, 500, Ct);

        Assert.Equal(["older", "newer"], found.Where(names.ContainsKey).Select(code => names[code]));

        async Task<string> WaitingAsync(string name)
        {
            // A code a game already holds is refused: another is drawn, as the product does.
            string code;
            do
            {
                code = Random.Shared.Next(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
            }
            while (names.ContainsKey(code) || !await Store.TryRecordRoomAsync(new RoomRecord(code, "seeded", RoomKit.Topic, IsPublic: false, user, "default", LongAgo), Ct));

            names[code] = name;
            return code;
        }

        async Task<string> StartedAsync(string name, DateTime startedAt)
        {
            var code = await WaitingAsync(name);
            await Store.RecordRoomProgressAsync(new RoomProgress(code, RoomStatus.Started, 1, user, startedAt, null), Ct);
            await Store.RecordChoiceAsync(new ChoiceRecord(code, user, 1, 0, 4, 1, null, startedAt.AddMinutes(1)), Ct);
            return code;
        }
    }
}

public sealed class EmbeddedLeftGameTests : LeftGameTests, IAsyncDisposable
{
    private readonly GatewayFactory _gateway = new(new Dictionary<string, string?>(LeftGameQuickSettings.Values));

    public EmbeddedLeftGameTests() => Gateway = _gateway.StartKestrel();

    protected override Uri Gateway { get; }

    protected override IResearchStore Store => _gateway.Services.GetRequiredService<InMemoryResearchStore>();

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    protected override Task<long> UserAsync() => Task.FromResult(7L);

    protected override Task<IReadOnlyList<(string Type, long? Actor)>> EventsAsync(string roomCode) =>
        Task.FromResult<IReadOnlyList<(string, long?)>>([.. _gateway.Services.GetRequiredService<InMemoryResearchStore>().RoomEvents(roomCode).Select(e => (e.EventType, e.ActorId))]);
}

/// <summary>One silo with the quick left-game settings, on MariaDB and Redis, and a cluster-mode gateway on Kestrel.</summary>
public sealed class QuickRoomsClusterFixture(LocalServices services) : IAsyncLifetime
{
    public ClusterDeployment Deployment { get; private set; } = null!;

    public Uri Gateway { get; private set; } = null!;

    public MySqlDataSource DataSource { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Deployment = await ClusterDeployment.CreateAsync(services, "leftgame_", TestContext.Current.CancellationToken);
        await Deployment.StartSiloAsync(TestContext.Current.CancellationToken, builder => builder.Configuration.AddInMemoryCollection(LeftGameQuickSettings.Values));
        Gateway = Deployment.CreateGateway().StartKestrel();
        DataSource = new MySqlDataSource(Deployment.MySqlConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        if (DataSource is not null)
        {
            await DataSource.DisposeAsync();
        }

        if (Deployment is not null)
        {
            await Deployment.DisposeAsync();
        }
    }
}

public sealed class ClusterLeftGameTests(QuickRoomsClusterFixture cluster) : LeftGameTests, IClassFixture<QuickRoomsClusterFixture>, IAsyncDisposable
{
    private readonly MySqlGroupCommit _groupCommit = new(cluster.DataSource);

    protected override Uri Gateway => cluster.Gateway;

    protected override IResearchStore Store => new MySqlResearchStore(cluster.DataSource, _groupCommit);

    public ValueTask DisposeAsync() => _groupCommit.DisposeAsync();

    protected override async Task<long> UserAsync()
    {
        using var http = new HttpClient { BaseAddress = cluster.Gateway };
        return (await RoomKit.GuestAsync(http, Ct)).UserId;
    }

    protected override async Task<IReadOnlyList<(string Type, long? Actor)>> EventsAsync(string roomCode)
    {
        await using var connection = await cluster.DataSource.OpenConnectionAsync(Ct);
        return (await connection.QueryAsync<(string, long?)>(
            new CommandDefinition("SELECT event_type, actor_id FROM room_events WHERE room_code = @roomCode ORDER BY id", new { roomCode }, cancellationToken: Ct))).AsList();
    }
}

/// <summary>The settings both modes' left-game tests run with: a game is left after two quiet seconds, swept every second.</summary>
internal static class LeftGameQuickSettings
{
    public static IReadOnlyDictionary<string, string?> Values { get; } = new Dictionary<string, string?>
    {
        ["Rooms:LeftGameEndsAfterSeconds"] = "2",
        ["Rooms:SweepSeconds"] = "1",
    };
}
