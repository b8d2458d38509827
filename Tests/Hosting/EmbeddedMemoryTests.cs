using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dilemma.Grains.Accounts;
using Dilemma.Grains.Embedded;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Realtime;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Hosting;

/// <summary>
/// Embedded mode's memory is bounded (issue 18, item 4): idle grains are collected at
/// Grains:CollectionAgeSeconds, and the sweep drops wholly expired refresh tokens and the ended
/// rooms beyond Embedded:MaxFinishedGames (games left unfinished among them), oldest first. Short ages and periods here; each test that needs a gateway starts its own.
/// </summary>
public sealed class EmbeddedMemoryTests
{
    private static readonly Dictionary<string, string?> Quick = new()
    {
        ["Grains:CollectionAgeSeconds"] = "5",
        ["Grains:CollectionQuantumSeconds"] = "1",
        ["Embedded:MaxFinishedGames"] = "2",
        ["Embedded:SweepSeconds"] = "1",
    };

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Finished_games_beyond_the_bound_are_dropped_oldest_first_and_the_kept_ones_grains_are_collected()
    {
        await using var gateway = new GatewayFactory(Quick);
        using var client = gateway.CreateClient();
        var games = new List<(Player[] Players, string Code)>();
        for (var game = 0; game < 3; game++)
        {
            games.Add(await PlayWholeGameAsync(client));
        }

        var store = gateway.Services.GetRequiredService<InMemoryResearchStore>();
        var (oldest, kept) = (games[0], games.Skip(1).ToList());
        await WaitUntilAsync(() => Task.FromResult(store.RowCounts(oldest.Code).Rooms == 0), $"room {oldest.Code} was still kept");

        Assert.Equal(2, store.CountEndedRooms());
        Assert.Equal((0, 0, 0, 0), store.RowCounts(oldest.Code));
        foreach (var (_, code) in kept)
        {
            Assert.Equal((1, 3, 15 + 15, 5), store.RowCounts(code)); // choices and their submissions
        }

        // Idle, every room of the three is collected: the kept ones at the collection age, the dropped one once it forgot.
        var grains = (IGrainFactory)gateway.Services.GetRequiredService(typeof(IGrainFactory));
        var management = grains.GetGrain<IManagementGrain>(0);
        foreach (var (_, code) in games)
        {
            var room = (GrainReference)(object)grains.GetGrain<IRoomGrain>(code);
            await WaitUntilAsync(async () => await management.GetGrainActivationCount(room) == 0, $"room {code} was still active");
        }

        // The dropped room is gone for its own players too; a kept one is read back from its state.
        await HttpAssert.ProblemAsync(await oldest.Players[0].GetAsync($"/rooms/{oldest.Code}", Ct), HttpStatusCode.NotFound, "room_not_found");
        var view = await HttpAssert.OkAsync<JsonElement>(await kept[0].Players[0].GetAsync($"/rooms/{kept[0].Code}", Ct));
        Assert.Equal("finished", view.GetProperty("phase").GetString());

        // The bound is stated where an operator looks: the start-up notice and /health/ready.
        Assert.Contains(gateway.Logs.Lines, line => line.Contains("keeps at most 2 finished games", StringComparison.Ordinal));
        var ready = await HttpAssert.OkAsync<JsonElement>(await client.GetAsync("/health/ready", Ct));
        Assert.Contains("keeps at most 2 finished games", ready.GetProperty("checks")[0].GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Games_left_unfinished_count_as_ended_rooms_once_nobody_played_them_for_the_abandonment_time_but_one_with_a_socket_open_is_kept()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>(Quick) { ["Rooms:AbandonedAfterSeconds"] = "2" });
        var address = gateway.StartKestrel();
        using var http = new HttpClient { BaseAddress = address };

        // Four games walked away from, oldest last row first: someone stays connected to the oldest (from before its rows
        // could age), and the second got one round in.
        var connected = await RoomKit.StartedRoomAsync(http, Ct);
        var (socket, _) = await RealtimeKit.JoinAsync(address, connected.Players[0], connected.Code, Ct);
        await using var _socket = socket;
        var left = await RoomKit.StartedRoomAsync(http, Ct);
        await RoomKit.PlayRoundAsync(left.Players, left.Code, 1, Ct);
        var games = new List<(Player[] Players, string Code)> { connected, left, await RoomKit.StartedRoomAsync(http, Ct), await RoomKit.StartedRoomAsync(http, Ct) };

        // The bound keeps two: the sweep asks the oldest two to go, and only the one nobody is in goes.
        var store = gateway.Services.GetRequiredService<InMemoryResearchStore>();
        await WaitUntilAsync(() => Task.FromResult(store.RowCounts(left.Code).Rooms == 0), $"game {left.Code}, left unfinished, was still kept");

        Assert.Equal((0, 0, 0, 0), store.RowCounts(left.Code));
        await HttpAssert.ProblemAsync(await left.Players[0].GetAsync($"/rooms/{left.Code}", Ct), HttpStatusCode.NotFound, "room_not_found");
        Assert.Equal((1, 3, 0, 0), store.RowCounts(connected.Code));
        var view = await HttpAssert.OkAsync<JsonElement>(await connected.Players[0].GetAsync($"/rooms/{connected.Code}", Ct));
        Assert.Equal("started", view.GetProperty("phase").GetString());
        foreach (var (_, code) in games.Skip(2))
        {
            Assert.Equal((1, 3, 0, 0), store.RowCounts(code));
        }

        Assert.Contains(gateway.Logs.Lines, line => line.Contains("counting as finished a game nobody has played for 2 s (Rooms:AbandonedAfterSeconds)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_game_left_unfinished_is_as_old_as_its_last_row_and_one_still_played_is_never_beyond_the_bound()
    {
        var store = new InMemoryResearchStore(new InMemoryFacilitatorActionStore(), new InMemoryAccountStore());
        var t0 = new DateTime(2026, 12, 5, 9, 0, 0, DateTimeKind.Utc);
        await FinishedAsync("F1", t0.AddMinutes(1));
        await LeftAsync("L2", t0, lastChoice: t0.AddMinutes(2));
        await FinishedAsync("F3", t0.AddMinutes(3));
        await LeftAsync("L4", t0.AddMinutes(-30), lastChoice: t0.AddMinutes(4));
        await LeftAsync("PLAYED", t0.AddMinutes(-60), lastChoice: t0.AddMinutes(20));
        var leftBefore = t0.AddMinutes(10);

        Assert.Equal(["F1", "L2"], store.EndedRoomsBeyond(2, leftBefore));
        Assert.Equal(["F1", "L2", "F3", "L4"], store.EndedRoomsBeyond(0, leftBefore));
        Assert.Empty(store.EndedRoomsBeyond(4, leftBefore));

        async Task FinishedAsync(string code, DateTime at)
        {
            await RecordAsync(code, at.AddMinutes(-1));
            await store.RecordRoomProgressAsync(new RoomProgress(code, RoomStatus.Finished, 5, 1, at.AddMinutes(-1), at), Ct);
        }

        async Task LeftAsync(string code, DateTime startedAt, DateTime lastChoice)
        {
            await RecordAsync(code, startedAt);
            await store.RecordRoomProgressAsync(new RoomProgress(code, RoomStatus.Started, 1, 1, startedAt, null), Ct);
            await store.RecordChoiceAsync(new ChoiceRecord(code, 1, 1, 2, 3, 1, null, lastChoice), Ct);
        }

        async Task RecordAsync(string code, DateTime createdAt) =>
            Assert.True(await store.TryRecordRoomAsync(new RoomRecord(code, "t", "healthcare", false, 1, "s", createdAt), Ct));
    }

    [Fact]
    public async Task Activations_that_Orleans_shuts_down_are_counted_for_the_idle_compaction()
    {
        await using var gateway = new GatewayFactory(Quick);
        var shutdowns = gateway.Services.GetRequiredService<ActivationShutdowns>();
        var grains = (IGrainFactory)gateway.Services.GetRequiredService(typeof(IGrainFactory));
        var before = shutdowns.Count;

        // Codes nobody opened: each room grain activates, refuses and deactivates at once.
        const int Rooms = 40;
        for (var i = 0; i < Rooms; i++)
        {
            var refused = await Assert.ThrowsAsync<RuleViolationException>(() => grains.GetGrain<IRoomGame>($"UNOPENED{i:D3}").GetAsync(Ct));
            Assert.Equal("room_not_found", refused.Code);
        }

        // At least: Orleans' counter is one per process, and other tests' silos may shut activations down meanwhile.
        await WaitUntilAsync(() => Task.FromResult(shutdowns.Count - before >= Rooms), $"{shutdowns.Count - before} of {Rooms} shut-down activations were counted");
    }

    [Fact]
    public async Task Dropping_most_rooms_gives_back_the_room_their_rows_took()
    {
        var store = new InMemoryResearchStore(new InMemoryFacilitatorActionStore(), new InMemoryAccountStore());
        var at = DateTime.UtcNow;
        var codes = Enumerable.Range(0, 400).Select(i => $"T{i:D5}").ToList();
        foreach (var code in codes)
        {
            for (var round = 1; round <= 5; round++)
            {
                for (var user = 1L; user <= 3; user++)
                {
                    await store.RecordChoiceAsync(new ChoiceRecord(code, user, round, 1, 3, 1, null, at), Ct);
                }
            }
        }

        // 6,000 choices and as many submissions; 150 of each are left, and the room for the other 5,850 goes.
        Assert.Equal(390L * 30, store.DropRooms(codes[..390]));
        Assert.True(store.SpareChoiceEntries() < 1_000, $"Room for {store.SpareChoiceEntries()} more choices was kept after dropping 390 of 400 rooms.");
        foreach (var code in codes[390..])
        {
            for (var round = 1; round <= 5; round++)
            {
                Assert.Equal(3, (await store.ReadChoicesAsync(code, round, Ct)).Count);
            }
        }
    }

    [Fact]
    public async Task Refresh_tokens_of_wholly_expired_sign_ins_are_dropped_and_a_sign_in_with_a_live_token_is_kept_whole()
    {
        await using var gateway = new GatewayFactory(Quick);
        using var client = gateway.CreateClient();
        var guest = await RoomKit.GuestAsync(client, Ct);
        var accounts = gateway.Services.GetRequiredService<InMemoryAccountStore>();
        var now = DateTime.UtcNow;

        // Expired: a sign-in whose one token ran out. Kept: one whose first token ran out but whose successor lives.
        var expiredFamily = RefreshTokens.NewFamilyId();
        await accounts.AddRefreshTokenAsync(Token(expiredFamily, guest.UserId, now.AddDays(-8), now.AddDays(-1)), Ct);
        var liveFamily = RefreshTokens.NewFamilyId();
        await accounts.AddRefreshTokenAsync(Token(liveFamily, guest.UserId, now.AddDays(-8), now.AddDays(-1)), Ct);
        await accounts.AddRefreshTokenAsync(Token(liveFamily, guest.UserId, now.AddDays(-1), now.AddDays(6)), Ct);

        // The guest's own sign-in (1) and the live family (2) stay; the expired family (1) goes.
        await WaitUntilAsync(() => Task.FromResult(accounts.CountRefreshTokens() == 3), $"{accounts.CountRefreshTokens()} refresh tokens were kept, not 3");
        var refreshed = await HttpAssert.OkAsync<JsonElement>(await client.PostAsJsonAsync("/auth/refresh", new { refresh_token = guest.Tokens.RefreshToken }, Ct));
        Assert.False(string.IsNullOrEmpty(refreshed.GetProperty("refresh_token").GetString()));
    }

    [Fact]
    public async Task A_sweep_finding_no_expired_refresh_token_allocates_nothing_however_many_are_kept()
    {
        var accounts = new InMemoryAccountStore();
        var now = DateTime.UtcNow;
        for (var userId = 1; userId <= 10_000; userId++)
        {
            await accounts.AddRefreshTokenAsync(Token(RefreshTokens.NewFamilyId(), userId, now, now.AddDays(7)), Ct);
        }

        // The first call compiles the method and creates the dictionary's cached views; the second is a sweep as every later one.
        Assert.Equal(0, accounts.DropExpiredRefreshTokens(now));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var dropped = accounts.DropExpiredRefreshTokens(now);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, dropped);
        Assert.True(allocated < 1024, $"a sweep over 10,000 live refresh tokens allocated {allocated:N0} bytes");
    }

    [Fact]
    public async Task Guests_beyond_the_bound_go_least_recently_signed_in_first_sparing_the_seated_and_those_whose_access_token_works()
    {
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>(Quick) { ["Embedded:MaxGuests"] = "3" });
        using var client = gateway.CreateClient();
        var accounts = gateway.Services.GetRequiredService<InMemoryAccountStore>();
        var research = gateway.Services.GetRequiredService<InMemoryResearchStore>();
        var now = DateTime.UtcNow;

        // Five guests against a bound of three. Signed in just now: its access token works without the store, so it stays.
        var recent = await client.GuestAsync(Ct, guestId: Guid.NewGuid().ToString("N"));

        // Seated in a room the process holds, signed in four hours ago: stays, whatever its age.
        var seated = await OldGuestAsync(accounts, now.AddHours(-4));
        await research.RecordParticipantAsync("SEATED" + Guid.NewGuid().ToString("N")[..6], seated.User.Id, "seated", now.AddHours(-4), Ct);

        // In no room, signed in three, two and one hours ago: the two least recent go, which leaves three guests.
        var (threeHours, twoHours, oneHour) = (await OldGuestAsync(accounts, now.AddHours(-3)), await OldGuestAsync(accounts, now.AddHours(-2)), await OldGuestAsync(accounts, now.AddHours(-1)));
        await WaitUntilAsync(async () => await accounts.FindByIdAsync(twoHours.User.Id, Ct) is null, "the guest signed in two hours ago was still kept");

        Assert.Null(await accounts.FindByIdAsync(threeHours.User.Id, Ct));
        foreach (var kept in new[] { recent.UserId, seated.User.Id, oneHour.User.Id })
        {
            Assert.NotNull(await accounts.FindByIdAsync(kept, Ct));
        }

        // A forgotten guest's refresh token is refused, and its device signing in again starts a new account.
        var refused = await client.PostAsJsonAsync("/auth/refresh", new { refresh_token = twoHours.RefreshToken }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var again = await client.GuestAsync(Ct, guestId: twoHours.User.GuestId);
        Assert.NotEqual(twoHours.User.Id, again.UserId);
        var refreshed = await HttpAssert.OkAsync<JsonElement>(await client.PostAsJsonAsync("/auth/refresh", new { refresh_token = recent.RefreshToken }, Ct));
        Assert.False(string.IsNullOrEmpty(refreshed.GetProperty("refresh_token").GetString()));

        // The bound is stated at start-up.
        Assert.Contains(gateway.Logs.Lines, line => line.Contains("Beyond 3 guests (Embedded:MaxGuests)", StringComparison.Ordinal));
    }

    // A guest who signed in at `at` through the store, with the refresh token of that sign-in.
    private static async Task<(StoredUser User, string RefreshToken)> OldGuestAsync(InMemoryAccountStore accounts, DateTime at)
    {
        var guest = await accounts.UpsertGuestAsync(Guid.NewGuid().ToString("N"), null, at, Ct);
        var token = RefreshTokens.NewToken();
        await accounts.AddRefreshTokenAsync(new RefreshTokenRecord(RefreshTokens.HashOf(token)!, RefreshTokens.NewFamilyId(), guest.Id, at, at.AddDays(7)), Ct);
        return (guest, token);
    }

    private static RefreshTokenRecord Token(byte[] family, long userId, DateTime issuedAt, DateTime expiresAt) =>
        new(RefreshTokens.HashOf(RefreshTokens.NewToken())!, family, userId, issuedAt, expiresAt);

    private static async Task<(Player[] Players, string Code)> PlayWholeGameAsync(HttpClient client)
    {
        var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players, code, round, Ct);
        }

        return (players, code);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{failure} {Deadline.TotalSeconds} s later.");
            await Task.Delay(TimeSpan.FromMilliseconds(250), Ct);
        }
    }
}
