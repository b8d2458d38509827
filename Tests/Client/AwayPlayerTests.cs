using System.Net.Http.Json;
using System.Text.Json;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>A gateway whose reconnection grace is short, so a closed tab is dropped within the test's patience.</summary>
public sealed class AwayBrowserFixture() : BrowserFixture(new Dictionary<string, string?> { ["Game:ReconnectGraceSeconds"] = "2" });

/// <summary>
/// Players whose tab closed and who come back with a new page of the same browser, signed in as the same guest: after
/// the grace gave their seat to a bot or let the game go on without them, after a round's deadline, after everyone
/// went, after the end.
/// </summary>
public class AwayPlayerTests(AwayBrowserFixture browser) : IClassFixture<AwayBrowserFixture>
{
    [Fact]
    public async Task A_player_whose_seat_went_to_a_bot_is_not_offered_it_back_and_the_record_keeps_their_choice_apart_from_the_bots()
    {
        var (pages, code) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Botted", onDropout: "bot");
        await ClientFlows.StartGameAsync(pages, scan: false);
        var away = pages[2];
        var awayId = await UserIdAsync(away);
        await ChooseAsync(away, 1, 5);
        await away.CloseAsync();

        await Expect(pages[0].Locator("#chosen-list [data-presence=bot]")).ToHaveCountAsync(1);
        await Expect(pages[0].Locator($"#departed-list li[data-user-id='{awayId}'] [data-presence=removed]")).ToBeVisibleAsync();

        // Back on a new page: the seat is the bot's, so the game is not offered and no error is shown.
        var back = await SignInAgainAsync(pages[2].Context, "Botted3");
        await Expect(back.Locator("#unfinished-game")).ToHaveCountAsync(0);
        await Expect(back.Locator("#error")).ToBeHiddenAsync();

        // The room: the seat removed, a bot in its role.
        var room = await GetAsync(pages[0], $"/rooms/{code}");
        var seats = room.GetProperty("participants").EnumerateArray().ToList();
        var gone = seats.Single(p => p.GetProperty("user_id").GetInt64() == awayId);
        Assert.Equal("removed", gone.GetProperty("presence").GetString());
        var bot = seats.Single(p => p.GetProperty("is_bot").GetBoolean());
        Assert.Equal(gone.GetProperty("role_id").GetInt32(), bot.GetProperty("role_id").GetInt32());

        // The others decide round 1 (the bot's seat counted as chosen: its role has the player's choice) and round 2 opens;
        // round 1 holds one choice per role, the player's theirs, and the bot chooses from round 2, marked as its.
        var botId = bot.GetProperty("user_id").GetInt64();
        await Expect(pages[0].Locator($"#chosen-list li[data-user-id='{botId}'] .tag.ok")).ToBeVisibleAsync();
        await DecideRoundOneAsync(pages[0], pages[1]);
        var stats = await GetAsync(pages[0], $"/rooms/{code}/statistics");
        var firstRound = stats.GetProperty("rounds")[0].GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("user_id").GetInt64()).ToList();
        Assert.Equal(3, firstRound.Count);
        Assert.Contains(awayId, firstRound);
        Assert.DoesNotContain(botId, firstRound);
        room = await GetAsync(pages[0], $"/rooms/{code}");
        var botChoices = room.GetProperty("bot_choices").EnumerateArray().Select(c => (c.GetProperty("round_number").GetInt32(), c.GetProperty("user_id").GetInt64())).ToList();
        Assert.Equal([(2, botId)], botChoices);

        // The player's own data holds their one choice, none of the bot's.
        var held = await GetAsync(back, "/auth/me/data");
        var mine = held.GetProperty("research").GetProperty("choices").EnumerateArray().Where(c => c.GetProperty("room_code").GetString() == code).ToList();
        Assert.Equal([1], mine.Select(c => c.GetProperty("round_number").GetInt32()));
        await CloseAsync(pages);
    }

    [Fact]
    public async Task A_player_dropped_under_continue_is_offered_the_game_and_plays_on_from_the_open_round()
    {
        var (pages, code) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Goneon");
        await ClientFlows.StartGameAsync(pages, scan: false);
        var awayId = await UserIdAsync(pages[2]);
        await pages[2].CloseAsync();
        await Expect(pages[0].Locator($"#departed-list li[data-user-id='{awayId}'] [data-presence=dropped]")).ToBeVisibleAsync();

        // The two play round 1 without them.
        await DecideRoundOneAsync(pages[0], pages[1]);

        var back = await SignInAgainAsync(pages[2].Context, "Goneon3");
        await back.ClickAsync("#unfinished-rejoin");
        await Expect(back.Locator("#round-title")).ToContainTextAsync("Round 2 of 5");
        await Expect(back.Locator("#chosen-count")).ToHaveTextAsync("0 of 3 have chosen");
        await Expect(back.Locator("#past-list li")).ToHaveCountAsync(1);
        await Expect(pages[0].Locator($"#chosen-list li[data-user-id='{awayId}']")).ToBeVisibleAsync();
        await ChooseAsync(back, 1, 2);
        await Expect(pages[0].Locator("#chosen-count")).ToHaveTextAsync("1 of 3 have chosen");

        // The record: absent in round 1, back in round 2.
        var stats = await GetAsync(back, $"/rooms/{code}/statistics");
        Assert.DoesNotContain(awayId, stats.GetProperty("rounds")[0].GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("user_id").GetInt64()));
        var room = await GetAsync(back, $"/rooms/{code}");
        Assert.Equal("present", room.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == awayId).GetProperty("presence").GetString());
        await CloseAsync(pages);
    }

    [Fact]
    public async Task A_player_away_past_the_choice_deadline_comes_back_to_the_open_decision_with_no_choice_to_send()
    {
        var (pages, code) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Late", choiceSeconds: 8);
        await ClientFlows.StartGameAsync(pages, scan: false);
        await Expect(pages[2].Locator("#round-title")).ToContainTextAsync("Round 1 of 5");
        await pages[2].CloseAsync();

        // One of the two chooses, the other lets the time run out: the deadline passes while the third is away (dropped
        // meanwhile, under continue), the choices close and the decision opens. Had both chosen, the decision would have
        // opened at once with no deadline left, and a returning player may still choose then: the room waits for them.
        await ChooseAsync(pages[0], 0, 3);
        await Expect(pages[0].Locator("#consensus-submit")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(pages[1].Locator("#choices-closed")).ToHaveTextAsync("The time to choose ran out before you chose: the group decides without your choice this round.");
        await Expect(pages[1].Locator("#choice-submit")).ToHaveCountAsync(0);
        var lateId = await UserIdAsync(pages[1]);
        await Expect(pages[0].Locator($"#chosen-list li[data-user-id='{lateId}'] .tag")).ToHaveTextAsync("ran out of time");
        await Expect(pages[0].Locator("#choices-closed")).ToHaveTextAsync("The time to choose is up: your choice is recorded.");
        var back = await SignInAgainAsync(pages[2].Context, "Late3");
        await back.ClickAsync("#unfinished-rejoin");
        await Expect(back.Locator("#round-title")).ToContainTextAsync("Round 1 of 5");
        var room = await GetAsync(back, $"/rooms/{code}");
        Assert.True(room.GetProperty("choices_closed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, room.GetProperty("deadline_kind").ValueKind);

        // No form to choose with, no clock of a deadline gone, no error: the round waits for the host's decision.
        await Expect(back.Locator("#consensus-wait")).ToBeVisibleAsync();
        await Expect(back.Locator("#choice-submit")).ToHaveCountAsync(0);
        await Expect(back.Locator("#choices-closed")).ToBeVisibleAsync();
        await Expect(back.Locator("#round-timer")).ToHaveCountAsync(0);
        await Expect(back.Locator("#error")).ToBeHiddenAsync();

        await RecordDecisionAsync(pages[0], 0, 3);
        await Expect(back.Locator("#round-title")).ToContainTextAsync("Round 2 of 5");
        await Expect(back.Locator("#choice-submit")).ToBeEnabledAsync();
        await Expect(back.Locator("#round-timer")).ToContainTextAsync("Time left to choose");
        await CloseAsync(pages);
    }

    [Fact]
    public async Task When_all_three_went_the_one_who_comes_back_hosts_and_the_game_goes_on()
    {
        var (pages, code) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Empty");
        await ClientFlows.StartGameAsync(pages, scan: false);
        await Expect(pages[1].Locator("#round-title")).ToContainTextAsync("Round 1 of 5");
        var ids = new long[3];
        for (var i = 0; i < 3; i++)
        {
            ids[i] = await UserIdAsync(pages[i]);
        }

        // The host goes last: nobody is left to take the role on, so the host keeps it, gone.
        var host = pages[0];
        var token = await host.EvaluateAsync<string>("JSON.parse(sessionStorage.getItem('dilemma.session')).access_token");
        await pages[1].CloseAsync();
        await pages[2].CloseAsync();
        await Expect(host.Locator("#departed-list [data-presence=dropped]")).ToHaveCountAsync(2);
        await host.CloseAsync();
        var presences = "";
        await Eventually.UntilAsync(
            async () =>
            {
                using var response = await browser.Client.SendAsync(AuthClient.Authorized(HttpMethod.Get, $"/rooms/{code}", token), TestContext.Current.CancellationToken);
                var room = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
                presences = string.Join(", ", room.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("presence").GetString()));
                return presences == "dropped, dropped, dropped";
            },
            TimeSpan.FromSeconds(20),
            () => $"all three dropped; the room had {presences}",
            TestContext.Current.CancellationToken);

        // One comes back, alone: the host is gone, so the decision is theirs to record.
        var back = await SignInAgainAsync(pages[1].Context, "Empty2");
        await back.ClickAsync("#unfinished-rejoin");
        await Expect(back.Locator("#round-title")).ToContainTextAsync("Round 1 of 5");
        await Expect(back.Locator("#chosen-count")).ToHaveTextAsync("0 of 1 have chosen");
        await ChooseAsync(back, 1, 4);
        await Expect(back.Locator("#consensus-submit")).ToBeVisibleAsync();
        var room = await GetAsync(back, $"/rooms/{code}");
        Assert.Equal(ids[1], room.GetProperty("host_user_id").GetInt64());
        await RecordDecisionAsync(back, 1, 4);
        await Expect(back.Locator("#round-title")).ToContainTextAsync("Round 2 of 5");
        await CloseAsync(pages);
    }

    [Fact]
    public async Task A_player_whose_tab_comes_back_after_the_end_sees_the_results_with_their_choice_and_no_reconnecting()
    {
        var (pages, code) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "After");
        await ClientFlows.StartGameAsync(pages, scan: false);
        var away = pages[2];
        var awayId = await UserIdAsync(away);
        await ChooseAsync(away, 1, 5);

        // The tab is closed; the browser will restore it later with what it held (as after a crash or a phone's reclaim).
        var held = await away.EvaluateAsync<Dictionary<string, string>>("() => Object.fromEntries(Object.entries(sessionStorage))");
        await away.CloseAsync();
        await Expect(pages[0].Locator($"#departed-list li[data-user-id='{awayId}'] [data-presence=dropped]")).ToBeVisibleAsync();
        await DecideRoundOneAsync(pages[0], pages[1]);
        await pages[0].ClickAsync("#end-game");
        await pages[0].ClickAsync("#end-confirm");
        await Expect(pages[0].Locator("#room-phase")).ToHaveTextAsync("Finished");

        // A new page of the same browser signed in again: a game that is over is not offered.
        var lobby = await SignInAgainAsync(away.Context, "After3");
        await Expect(lobby.Locator("#unfinished-game")).ToHaveCountAsync(0);
        await lobby.CloseAsync();

        // The restored tab: the results with the player's own round-1 choice, and its sockets stay open.
        var sockets = 0;
        var restored = await away.Context.NewPageAsync();
        await restored.AddInitScriptAsync(
            $"if (!sessionStorage.getItem('dilemma.session')) {{ for (const [k, v] of Object.entries({JsonSerializer.Serialize(held)})) sessionStorage.setItem(k, v); }}");
        var closed = 0;
        restored.WebSocket += (_, socket) =>
        {
            Interlocked.Increment(ref sockets);
            socket.Close += (_, _) => Interlocked.Increment(ref closed);
        };
        await restored.GotoAsync("/");
        await Expect(restored.Locator("#room-phase")).ToHaveTextAsync("Finished");
        await Expect(restored.Locator("#statistics svg.chart")).ToHaveCountAsync(3);
        await restored.ClickAsync("#stats-summary");
        var ownRow = restored.Locator($"#movement-table tr[data-round='1'][data-user-id='{awayId}']");
        await Expect(ownRow.Locator("[data-column=choice]")).ToHaveTextAsync("B");
        await Expect(ownRow.Locator("[data-column=sureness]")).ToHaveTextAsync("5");
        await Expect(restored.Locator("#withdrawal-code")).ToBeVisibleAsync();
        await Expect(restored.Locator("#error")).ToBeHiddenAsync();
        await Expect(restored.Locator("#connection")).ToBeHiddenAsync();
        var stats = await GetAsync(restored, $"/rooms/{code}/statistics");
        var mine = stats.GetProperty("rounds")[0].GetProperty("choices").EnumerateArray().Single(c => c.GetProperty("user_id").GetInt64() == awayId);
        Assert.Equal(1, mine.GetProperty("choice").GetInt32());

        // A socket retrying in a loop closes before it opens again; none closed while all of the above was checked.
        Assert.True(Volatile.Read(ref sockets) > 0, "The restored page opened no socket at all.");
        Assert.Equal(0, Volatile.Read(ref closed));
        await CloseAsync(pages);
    }

    /// <summary>The host and one other choose in round 1 and the host records the decision; round 2 opens.</summary>
    private static async Task DecideRoundOneAsync(IPage host, IPage other)
    {
        await ChooseAsync(host, 0, 3);
        await ChooseAsync(other, 0, 3);
        await RecordDecisionAsync(host, 0, 3);
        await Expect(host.Locator("#round-title")).ToContainTextAsync("Round 2 of 5");
    }

    private static async Task RecordDecisionAsync(IPage host, int choice, int confidence)
    {
        await host.CheckAsync($"#consensus-{choice}");
        await host.CheckAsync($"#consensus-confidence-{confidence}");
        await host.ClickAsync("#consensus-submit");
    }

    private static async Task ChooseAsync(IPage page, int choice, int confidence)
    {
        await page.CheckAsync($"#choice-{choice}");
        await page.CheckAsync($"#confidence-{confidence}");
        await page.ClickAsync("#choice-submit");
        await Expect(page.Locator("#choice-recorded")).ToBeVisibleAsync();
    }

    /// <summary>A new page of the same browser (its localStorage, so the same guest), signed in again, in the lobby.</summary>
    private static async Task<IPage> SignInAgainAsync(IBrowserContext context, string nickname)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", "en");
        await page.FillAsync("#guest-nickname", nickname);
        await page.ClickAsync("#guest-submit");
        await Expect(page.Locator("#create-form")).ToBeVisibleAsync();
        return page;
    }

    private static Task<long> UserIdAsync(IPage page) => page.EvaluateAsync<long>("JSON.parse(sessionStorage.getItem('dilemma.session')).user_id");

    /// <summary>What the server answers the page's player: the state each screen is compared with.</summary>
    private static async Task<JsonElement> GetAsync(IPage page, string path)
    {
        var answer = await page.EvaluateAsync<JsonElement>(
            "async path => { const s = JSON.parse(sessionStorage.getItem('dilemma.session')); " +
            "const r = await fetch(path, { headers: { Authorization: `Bearer ${s.access_token}` } }); return { status: r.status, body: await r.json() }; }",
            path);
        var status = answer.GetProperty("status").GetInt32();
        Assert.True(status == 200, $"GET {path} answered {status}: {answer.GetProperty("body")}");
        return answer.GetProperty("body");
    }

    private static async Task CloseAsync(IPage[] pages)
    {
        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }
}
