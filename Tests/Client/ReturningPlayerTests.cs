using System.Net;
using System.Text.Json;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>A player who comes back to a game under way: a reload after choosing, the same game opened in a second tab.</summary>
public class ReturningPlayerTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_player_who_reloads_after_choosing_sees_their_choice_and_sending_it_again_records_nothing_new()
    {
        var (pages, code) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Chosen");
        await ClientFlows.StartGameAsync(pages, scan: false);
        var player = pages[1];
        await Expect(player.Locator("#round-title")).ToContainTextAsync("Round 1 of 5");
        await player.CheckAsync("#choice-1");
        await player.CheckAsync("#confidence-4");
        await player.ClickAsync("#choice-submit");
        await Expect(player.Locator("#choice-recorded")).ToBeVisibleAsync();

        await player.ReloadAsync();

        // The page said the choice was recorded over empty options: what it was could not be seen.
        await Expect(player.Locator("#choice-recorded")).ToBeVisibleAsync();
        await Expect(player.Locator("#choice-1")).ToBeCheckedAsync();
        await Expect(player.Locator("#confidence-4")).ToBeCheckedAsync();

        // Sent again as it stands, it is the same submission: no second revision.
        await player.ClickAsync("#choice-submit");
        await Expect(player.Locator("#choice-submit")).ToBeEnabledAsync();
        foreach (var page in new[] { pages[0], pages[2] })
        {
            await page.CheckAsync("#choice-0");
            await page.CheckAsync("#confidence-3");
            await page.ClickAsync("#choice-submit");
        }

        // The host reloads with the decision still to record: the form is back, nothing else changed.
        await Expect(pages[0].Locator("#consensus-submit")).ToBeVisibleAsync();
        await pages[0].ReloadAsync();
        await Expect(pages[0].Locator("#chosen-count")).ToHaveTextAsync("3 of 3 have chosen");
        await pages[0].CheckAsync("#consensus-0");
        await pages[0].CheckAsync("#consensus-confidence-4");
        await pages[0].ClickAsync("#consensus-submit");
        await Expect(player.Locator("#round-title")).ToContainTextAsync("Round 2 of 5");

        var revisions = await ClientFlows.FirstRoundRevisionsAsync(player, code);
        Assert.Equal([1], revisions);

        // Round 2 begins with nothing chosen: round 1's choice is not carried over.
        await Expect(player.Locator("#choice-recorded")).ToHaveCountAsync(0);
        await Expect(player.Locator("#choice-1")).Not.ToBeCheckedAsync();

        // A shared classroom computer keeps nobody's choice once they sign out.
        await player.CheckAsync("#choice-0");
        await player.CheckAsync("#confidence-2");
        await player.ClickAsync("#choice-submit");
        await Expect(player.Locator("#choice-recorded")).ToBeVisibleAsync();
        Assert.NotNull(await player.EvaluateAsync<string?>("() => localStorage.getItem('dilemma.recorded_choice')"));
        await player.ClickAsync("#sign-out");
        await Expect(player.Locator("#guest-nickname")).ToBeVisibleAsync();
        Assert.Null(await player.EvaluateAsync<string?>("() => localStorage.getItem('dilemma.recorded_choice')"));
        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_player_on_a_second_device_sees_the_choice_they_made_on_the_first()
    {
        var ct = TestContext.Current.CancellationToken;
        var account = await browser.Client.RegisterAsync(AuthClient.UniqueName("two"), Roles.Password, ct);
        var (players, code) = await RoomKit.StartedRoomAsync(browser.Client, ct, third: new Player(browser.Client, account));

        // The first device chose, and revised it; the second is a browser signed in to the same account, which kept nothing.
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[2], code, 1, 0, 2, ct), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[2], code, 1, 1, 5, ct), HttpStatusCode.Created);
        var page = await ClientFlows.SignInAccountAsync(() => browser.NewPageAsync(), account.Username);
        await page.FillAsync("#join-code", code);
        await page.ClickAsync("#code-submit");

        // It said "your choice is recorded" over empty options; it shows the latest revision now.
        await Expect(page.Locator("#choice-recorded")).ToBeVisibleAsync();
        await Expect(page.Locator("#choice-1")).ToBeCheckedAsync();
        await Expect(page.Locator("#confidence-5")).ToBeCheckedAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_game_opened_in_a_second_tab_takes_it_over_and_the_first_tab_lets_go_until_asked_back()
    {
        var (pages, _) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Twice");
        await ClientFlows.StartGameAsync(pages, scan: false);
        var first = pages[2];
        await Expect(first.Locator("#round-title")).ToContainTextAsync("Round 1 of 5");
        var playerId = await first.EvaluateAsync<long>("JSON.parse(sessionStorage.getItem('dilemma.session')).user_id");
        await LiveRegion.RecordAsync(first);

        // A second tab of the same browser signs in as the same guest and goes back to the game from the lobby.
        var second = await first.Context.NewPageAsync();
        await second.GotoAsync("/");
        await second.SelectOptionAsync("#lang-select", "en");
        await second.FillAsync("#guest-nickname", "Twice3");
        await second.ClickAsync("#guest-submit");
        await second.ClickAsync("#unfinished-rejoin");
        await Expect(second.Locator("#round-title")).ToContainTextAsync("Round 1 of 5");

        // Each tab's sockets replaced the other's (4000) and each reconnected, without end. The first lets go and says so.
        await Expect(first.Locator("#elsewhere")).ToBeVisibleAsync();
        await Expect(first.Locator("#play-here")).ToBeFocusedAsync();
        await Expect(first.Locator("#choice-form")).ToHaveCountAsync(0);
        await LiveRegion.ExpectSaidAsync(first, "open in another window or on another device");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(first, "game-elsewhere");

        // The second tab keeps the game: its voice links to the others hold, and its choice counts.
        await Expect(second.Locator("#links li[data-state=connected], #links li[data-state=relayed]")).ToHaveCountAsync(2, new() { Timeout = 45_000 });
        await Expect(second.Locator("#elsewhere")).ToHaveCountAsync(0);
        await second.CheckAsync("#choice-1");
        await second.CheckAsync("#confidence-2");
        await second.ClickAsync("#choice-submit");
        await Expect(pages[0].Locator("#chosen-count")).ToHaveTextAsync("1 of 3 have chosen");
        await Expect(pages[0].Locator($"#chosen-list li[data-user-id='{playerId}'] [data-presence]")).ToHaveCountAsync(0);

        // Asked back, the first tab takes the game with the choice made in the other, and the other lets go.
        await first.ClickAsync("#play-here");
        await Expect(first.Locator("#round-title")).ToContainTextAsync("Round 1 of 5");
        await Expect(first.Locator("#choice-recorded")).ToBeVisibleAsync();
        await Expect(first.Locator("#choice-1")).ToBeCheckedAsync();
        await Expect(second.Locator("#elsewhere")).ToBeVisibleAsync();
        await Expect(first.Locator("#elsewhere")).ToHaveCountAsync(0);
        await Expect(first.Locator("#links li[data-state=connected], #links li[data-state=relayed]")).ToHaveCountAsync(2, new() { Timeout = 45_000 });
        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }
}
