using System.Net;
using System.Text.Json;
using Dapper;
using Dilemma.Grains.Accounts;
using Dilemma.Grains.Interfaces.Sessions;
using Dilemma.Grains.Research;
using Dilemma.Grains.Storage;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Dilemma.Tests.Research;

/// <summary>
/// Retention in both modes, driven by calling the daily job with a clock 30 days on: it removes the rooms that ended
/// before the retention period and the seats without consent past the shorter one, and nothing else (rows counted in
/// the store before and after).
/// </summary>
public abstract class RetentionTests(HttpClient client, IGrainFactory grains)
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The job as the reminder runs it, on this mode's stores.</summary>
    protected abstract IResearchRetentionStore Store { get; }

    /// <summary>A room's rows as stored: (room rows, seats, choices and their submissions, consensus).</summary>
    protected abstract Task<(long Rooms, long Seats, long Choices, long Consensus)> CountsAsync(string roomCode);

    /// <summary>Writes a link-quality report through this mode's research store.</summary>
    protected abstract Task RecordLinkAsync(ConnectionQualityRecord report);

    /// <summary>A room's link-quality reports as stored, in order: who reported, and the peer (null once unlinked).</summary>
    protected abstract Task<IReadOnlyList<(long User, long? Peer)>> LinksAsync(string roomCode);

    /// <summary>Writes a facilitator action through this mode's audit store.</summary>
    protected abstract Task RecordFacilitatorActionAsync(FacilitatorActionEntry action);

    /// <summary>The facilitator actions on a room as stored, in order: whom each was about (null: the room itself).</summary>
    protected abstract Task<IReadOnlyList<long?>> ActionsAboutAsync(string roomCode);

    [Fact]
    public async Task Retention_removes_the_rooms_and_unconsented_seats_that_are_due_and_nothing_else()
    {
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);

        // Ended before the cut: all of it goes after RetentionDays.
        var (old, oldCode) = await GameAsync(consenting: 3);
        await FinishAsync(old, oldCode);
        var cut = DateTime.UtcNow;
        await WaitPastAsync(cut);

        // Ended after the cut: kept, except the seat without consent, past the shorter period.
        var (recent, recentCode) = await GameAsync(consenting: 2);
        await FinishAsync(recent, recentCode);

        // The first player's reports of their links to the other two: the one to the seat without consent loses its peer.
        await RecordLinkAsync(new ConnectionQualityRecord(recentCode, recent[0].UserId, recent[1].UserId, 1, "connected", false, 9, 1, 50, 0, DateTime.UtcNow));
        await RecordLinkAsync(new ConnectionQualityRecord(recentCode, recent[0].UserId, recent[2].UserId, 1, "connected", false, 9, 1, 50, 0, DateTime.UtcNow));

        // A facilitator's actions: on the old room, all go with it; on the recent one, the one about the seat without
        // consent goes with that seat, the one about a consenting participant and the one on the room stay.
        await ActAsync(researcher, oldCode, old[1].UserId);
        await ActAsync(researcher, recentCode, null);
        await ActAsync(researcher, recentCode, recent[1].UserId);
        await ActAsync(researcher, recentCode, recent[2].UserId);

        // Still playing: never touched, consent or not.
        var (_, playingCode) = await GameAsync(consenting: 2);
        var before = (Old: await CountsAsync(oldCode), Recent: await CountsAsync(recentCode), Playing: await CountsAsync(playingCode));
        Assert.Equal((1L, 3L, 30L, 5L), before.Old);
        Assert.Equal((1L, 3L, 30L, 5L), before.Recent);
        Assert.Equal((1L, 3L, 0L, 0L), before.Playing);
        var ledgerBefore = await LedgerTotalAsync(researcher);

        var now = cut.AddDays(30);
        var retention = new ResearchRetention(Store, Options.Create(new RetentionOptions { RetentionDays = 30, RetentionDaysWithoutConsent = 7 }), NullLogger<ResearchRetention>.Instance);
        var report = await retention.ApplyAsync(now, Ct);

        Assert.Equal((0L, 0L, 0L, 0L), await CountsAsync(oldCode));
        Assert.Equal((1L, 2L, 20L, 5L), await CountsAsync(recentCode));
        Assert.Equal([(recent[0].UserId, (long?)recent[1].UserId), (recent[0].UserId, null)], await LinksAsync(recentCode));
        Assert.Empty(await ActionsAboutAsync(oldCode));
        Assert.Equal([null, recent[1].UserId], await ActionsAboutAsync(recentCode));
        Assert.Equal(before.Playing, await CountsAsync(playingCode));
        Assert.Equal(new RetentionReport(1, 1 + 3 + 30 + 5 + 1, 1, 1 + 10 + 1), report);

        // Each rule that removed rows is an entry of the erasure ledger.
        var ledger = await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync("/research/experiments/erasures", Ct));
        Assert.Equal(ledgerBefore + 2, ledger.GetProperty("total").GetInt64());
        Assert.Equal(
            [("retention_without_consent", 12L), ("retention", 40L)],
            ledger.GetProperty("items").EnumerateArray().Take(2).Select(e => (e.GetProperty("kind").GetString(), e.GetProperty("rows_erased").GetInt64())));

        // Again at the same moment: nothing more is due.
        Assert.Equal(default, await retention.ApplyAsync(now, Ct));
        Assert.Equal((1L, 2L, 20L, 5L), await CountsAsync(recentCode));

        // Off (both 0): nothing is removed, however late.
        var off = new ResearchRetention(Store, Options.Create(new RetentionOptions()), NullLogger<ResearchRetention>.Instance);
        Assert.Equal(default, await off.ApplyAsync(now.AddYears(10), Ct));
        Assert.Equal((1L, 2L, 20L, 5L), await CountsAsync(recentCode));
    }

    [Fact]
    public async Task A_first_withdrawal_code_asked_after_retention_removed_the_room_is_410_research_data_removed()
    {
        var (players, code) = await GameAsync(consenting: 3);
        await FinishAsync(players, code);

        // The room grain still holds the finished game; only its research rows go.
        var retention = new ResearchRetention(Store, Options.Create(new RetentionOptions { RetentionDays = 30 }), NullLogger<ResearchRetention>.Instance);
        await retention.ApplyAsync(DateTime.UtcNow.AddDays(31), Ct);
        Assert.Equal((0L, 0L, 0L, 0L), await CountsAsync(code));

        // A code now would withdraw nothing: the rule is named, and nothing is kept, so a second ask answers the same.
        for (var ask = 0; ask < 2; ask++)
        {
            await HttpAssert.ProblemAsync(await players[1].GetAsync($"/rooms/{code}/withdrawal-code", Ct), HttpStatusCode.Gone, "research_data_removed");
        }
    }

    /// <summary>A started game of three guests, the first <paramref name="consenting"/> with data consent.</summary>
    private async Task<(Player[] Players, string Code)> GameAsync(int consenting)
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(client, Ct);
        foreach (var player in players.Take(consenting))
        {
            await ResearchKit.ConsentAsync(player, data: true, Ct);
        }

        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        return (players, code);
    }

    private static async Task FinishAsync(Player[] players, string code)
    {
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players, code, round, Ct);
        }
    }

    /// <summary>A facilitator's action on the room, about <paramref name="about"/> (null: the room itself), with a reason.</summary>
    private Task ActAsync(Player facilitator, string roomCode, long? about) =>
        RecordFacilitatorActionAsync(new FacilitatorActionEntry("S7RETAIN", facilitator.UserId, about is null ? "pause_room" : "remove_participant", roomCode, about, "a reason", DateTimeOffset.UtcNow));

    /// <summary>Until the clock has moved past <paramref name="time"/>, so the next game ends strictly after it.</summary>
    private static async Task WaitPastAsync(DateTime time)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        while (DateTime.UtcNow <= time.AddMilliseconds(2))
        {
            await timer.WaitForNextTickAsync(Ct);
        }
    }

    private static async Task<long> LedgerTotalAsync(Player researcher) =>
        (await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync("/research/experiments/erasures", Ct))).GetProperty("total").GetInt64();
}

public sealed class ClusterRetentionTests(ClusterGatewayFixture cluster)
    : RetentionTests(cluster.Client, cluster.Grains), IClassFixture<ClusterGatewayFixture>, IAsyncDisposable
{
    private readonly MySqlDataSource _dataSource = new(cluster.Deployment.MySqlConnectionString);

    protected override IResearchRetentionStore Store => new MySqlResearchRetentionStore(_dataSource);

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    protected override async Task RecordLinkAsync(ConnectionQualityRecord report)
    {
        await using var groupCommit = new MySqlGroupCommit(_dataSource);
        await new MySqlResearchStore(_dataSource, groupCommit).RecordConnectionQualityAsync([report], Ct);
    }

    protected override async Task<IReadOnlyList<(long User, long? Peer)>> LinksAsync(string roomCode)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(Ct);
        return (await connection.QueryAsync<(long, long?)>(
            "SELECT user_id, peer_user_id FROM connection_quality WHERE room_code = @roomCode ORDER BY id", new { roomCode })).AsList();
    }

    protected override Task RecordFacilitatorActionAsync(FacilitatorActionEntry action) =>
        new MySqlFacilitatorActionStore(_dataSource).RecordAsync(action, Ct);

    protected override async Task<IReadOnlyList<long?>> ActionsAboutAsync(string roomCode)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(Ct);
        return (await connection.QueryAsync<long?>("SELECT user_id FROM facilitator_actions WHERE room_code = @roomCode ORDER BY id", new { roomCode })).AsList();
    }

    protected override async Task<(long Rooms, long Seats, long Choices, long Consensus)> CountsAsync(string roomCode)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(Ct);
        return await connection.QuerySingleAsync<(long, long, long, long)>(
            """
            SELECT (SELECT COUNT(*) FROM rooms WHERE room_code = @roomCode), (SELECT COUNT(*) FROM room_participants WHERE room_code = @roomCode),
                   (SELECT COUNT(*) FROM round_choices WHERE room_code = @roomCode) + (SELECT COUNT(*) FROM round_choice_submissions WHERE room_code = @roomCode),
                   (SELECT COUNT(*) FROM consensus_choices WHERE room_code = @roomCode)
            """,
            new { roomCode });
    }
}

public sealed class EmbeddedRetentionTests(EmbeddedGatewayFixture gateway)
    : RetentionTests(gateway.Client, gateway.Grains), IClassFixture<EmbeddedGatewayFixture>
{
    protected override IResearchRetentionStore Store =>
        new InMemoryResearchRetentionStore(gateway.Factory.Services.GetRequiredService<InMemoryResearchStore>(), gateway.Factory.Services.GetRequiredService<InMemoryAccountStore>());

    protected override Task<(long Rooms, long Seats, long Choices, long Consensus)> CountsAsync(string roomCode) =>
        Task.FromResult(gateway.Factory.Services.GetRequiredService<InMemoryResearchStore>().RowCounts(roomCode));

    protected override Task RecordLinkAsync(ConnectionQualityRecord report) =>
        gateway.Factory.Services.GetRequiredService<InMemoryResearchStore>().RecordConnectionQualityAsync([report], Ct);

    protected override Task<IReadOnlyList<(long User, long? Peer)>> LinksAsync(string roomCode) =>
        Task.FromResult<IReadOnlyList<(long User, long? Peer)>>(
            [.. gateway.Factory.Services.GetRequiredService<InMemoryResearchStore>().ConnectionQuality(roomCode).Select(r => (r.UserId, r.PeerUserId))]);

    protected override Task RecordFacilitatorActionAsync(FacilitatorActionEntry action) =>
        gateway.Factory.Services.GetRequiredService<InMemoryFacilitatorActionStore>().RecordAsync(action, Ct);

    protected override Task<IReadOnlyList<long?>> ActionsAboutAsync(string roomCode) =>
        Task.FromResult<IReadOnlyList<long?>>(
            [.. gateway.Factory.Services.GetRequiredService<InMemoryFacilitatorActionStore>().All().Where(a => a.RoomCode == roomCode).Select(a => a.UserId)]);
}
