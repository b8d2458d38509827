using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>The host's tools in the page: creation settings, bots for the empty seats, the others' presence, removing a gone player.</summary>
public class HostToolsTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_host_starts_with_two_bots_and_finishes_a_game_alone()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", "en");
        await page.FillAsync("#guest-nickname", "Solo");
        await page.CheckAsync("#data-consent");
        await page.ClickAsync("#guest-submit");
        await Expect(page.Locator("#create-topic input").First).ToBeAttachedAsync();

        // The creation form's host settings reach the room.
        await page.FillAsync("#create-title", "Solo with bots");
        await page.CheckAsync("#visibility-private");
        await page.FillAsync("#create-consensus-seconds", "900");
        await page.CheckAsync("#create-on-dropout input[value=bot]");
        await page.ClickAsync("#create-submit");
        await Expect(page.Locator("#room-code")).ToContainTextAsync("Room code");
        var room = await RoomAsync(page);
        Assert.Equal(900, room.GetProperty("consensus_seconds").GetInt32());
        Assert.Equal("bot", room.GetProperty("on_dropout").GetString());

        await Expect(page.Locator("#bots-form")).ToBeVisibleAsync();
        // The count is as wide as a digit needs (it was stretched to 24rem), and "Add bots" does not touch "Leave room".
        var count = (await page.Locator("#bot-count").BoundingBoxAsync())!;
        Assert.True(count.Width < 120, $"the bot count's select is {count.Width}px wide");
        var (add, leave) = ((await page.Locator("#add-bots").BoundingBoxAsync())!, (await page.Locator("#leave-room").BoundingBoxAsync())!);
        Assert.True(leave.Y - (add.Y + add.Height) >= 8, $"Add bots ends at {add.Y + add.Height}px and Leave room starts at {leave.Y}px");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "waiting-room-bots");
        await page.SelectOptionAsync("#bot-count", "2");
        await page.ClickAsync("#add-bots");
        await Expect(page.Locator("#participants li")).ToHaveCountAsync(3);
        await Expect(page.Locator("#participants [data-presence=bot]")).ToHaveCountAsync(2);
        await Expect(page.Locator("#bots-form")).ToHaveCountAsync(0);
        // A bot is named in the page's language with its number; the stored nickname ("Bot 1") stays as it is.
        await Expect(page.Locator("#participants strong")).ToContainTextAsync(["Bot 1", "Bot 2"]);
        await page.SelectOptionAsync("#lang-select", "ko");
        await Expect(page.Locator("#participants strong")).ToContainTextAsync(["봇 1", "봇 2"]);
        Assert.Contains("Bot 1", (await RoomAsync(page)).GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("nickname").GetString()));
        await page.SelectOptionAsync("#lang-select", "en");

        await page.ClickAsync("#assign-random");
        await Expect(page.Locator("#start-game")).ToBeEnabledAsync();
        await page.ClickAsync("#start-game");

        for (var round = 1; round <= 5; round++)
        {
            await Expect(page.Locator("#round-title")).ToContainTextAsync($"Round {round} of 5");
            await page.CheckAsync($"#choice-{round % 2}");
            await page.CheckAsync("#confidence-3");
            await page.ClickAsync("#choice-submit");

            // The bots chose when the round opened: the host alone completes it.
            await Expect(page.Locator("#chosen-count")).ToHaveTextAsync("3 of 3 have chosen");
            if (round == 1)
            {
                await Expect(page.Locator("#host-tools #end-game")).ToBeVisibleAsync();
                await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "host-tools");
            }

            await page.CheckAsync("#consensus-1");
            await page.CheckAsync("#consensus-confidence-4");
            await page.ClickAsync("#consensus-submit");
            await Expect(page.Locator("#past-list li")).ToHaveCountAsync(round);
            if (round == 1)
            {
                await Expect(page.Locator("#past-title")).ToHaveTextAsync("Decisions so far");
            }
        }

        await Expect(page.Locator("#room-phase")).ToHaveTextAsync("Finished");
        // A game that is over has its decisions, not its decisions "so far".
        await Expect(page.Locator("#past-title")).ToHaveTextAsync("Decisions");
        await Expect(page.Locator("#statistics svg.chart")).ToHaveCountAsync(3);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_player_who_left_the_game_in_another_window_is_taken_back_to_the_lobby_and_told_why()
    {
        var (pages, code) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Elsewhere");
        await ClientFlows.StartGameAsync(pages, scan: false);
        await Expect(pages[2].Locator("#round-title")).ToContainTextAsync("Round 1 of 5");

        // As another window of the same player would: the leave goes to the server, not through this page.
        var status = await pages[2].EvaluateAsync<int>(
            """
            async (code) => {
              const session = JSON.parse(sessionStorage.getItem('dilemma.session'));
              const response = await fetch(`/rooms/${code}/leave`, { method: 'POST', headers: { Authorization: `Bearer ${session.access_token}` } });
              return response.status;
            }
            """,
            code);
        Assert.Equal(204, status);

        // The server closes its sockets with 4003; the page stops reconnecting, goes back to the lobby and says why.
        await Expect(pages[2].Locator("#error[data-code='no_longer_participant']")).ToBeVisibleAsync();
        await Expect(pages[2].Locator("#create-form")).ToBeVisibleAsync();
        await Expect(pages[2].Locator("#round-title")).ToHaveCountAsync(0);
        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task The_others_see_a_player_reconnecting_and_the_host_removes_the_gone_player()
    {
        var (pages, _) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Gone");
        await ClientFlows.StartGameAsync(pages, scan: false);
        await Expect(pages[2].Locator("#round-title")).ToContainTextAsync("Round 1 of 5");
        var goneId = await pages[2].EvaluateAsync<long>("JSON.parse(sessionStorage.getItem('dilemma.session')).user_id");

        await LiveRegion.RecordAsync(pages[1]);
        await pages[2].Context.CloseAsync();

        // Everyone left sees it, the host with the tool to take the seat out of the game.
        foreach (var page in pages[..2])
        {
            await Expect(page.Locator($"#chosen-list li[data-user-id='{goneId}'] [data-presence=reconnecting]")).ToBeVisibleAsync();
        }

        // And a screen reader hears it.
        await LiveRegion.ExpectSaidAsync(pages[1], "Gone3 lost the connection and is reconnecting\\.");

        await Expect(pages[0].Locator($"#remove-{goneId}")).ToBeVisibleAsync();
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(pages[0], "reconnecting");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(pages[1], "reconnecting-player");

        await pages[0].ClickAsync($"#remove-{goneId}");
        foreach (var page in pages[..2])
        {
            // Out of the game, the seat is listed apart and not counted: the room no longer waits for its choice.
            await Expect(page.Locator($"#departed-list li[data-user-id='{goneId}'] [data-presence=removed]")).ToBeVisibleAsync();
            await Expect(page.Locator($"#chosen-list li[data-user-id='{goneId}']")).ToHaveCountAsync(0);
            await Expect(page.Locator("#chosen-count")).ToHaveTextAsync("0 of 2 have chosen");
        }

        await Expect(pages[0].Locator($"#remove-{goneId}")).ToHaveCountAsync(0);

        // Ending the game is asked twice: the first click only asks.
        await pages[0].ClickAsync("#end-game");
        await Expect(pages[0].Locator("#end-question")).ToBeVisibleAsync();
        await pages[0].ClickAsync("#end-confirm");
        foreach (var page in pages[..2])
        {
            await Expect(page.Locator("#room-phase")).ToHaveTextAsync("Finished");
            // Who ended it, and that nothing was decided: the screen had gone to the statistics without a word.
            await Expect(page.Locator("#ended-early")).ToHaveTextAsync(
                "Gone1, the host, ended this game before your group decided any round, so there are no results to show.");
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_host_handed_on_while_the_group_decides_is_said_to_everyone_and_the_new_host_records_the_decision()
    {
        var (pages, _) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Handed");
        await ClientFlows.StartGameAsync(pages, scan: false);
        foreach (var page in pages)
        {
            await page.CheckAsync("#choice-0");
            await page.CheckAsync("#confidence-3");
            await page.ClickAsync("#choice-submit");
            await Expect(page.Locator("#choice-recorded")).ToBeVisibleAsync();
        }

        await Expect(pages[0].Locator("#consensus-submit")).ToBeVisibleAsync();
        await Expect(pages[2].Locator("#consensus-wait")).ToHaveTextAsync("Waiting for Handed1, the host, to record the group's decision.");
        var newHostId = await pages[1].EvaluateAsync<long>("JSON.parse(sessionStorage.getItem('dilemma.session')).user_id");
        foreach (var page in pages[1..])
        {
            await LiveRegion.RecordAsync(page);
        }

        await pages[0].ClickAsync($"#hand-host-{newHostId}");

        // The decision's form moved to the new host's page and nothing said so: "waiting for the host" named nobody.
        await Expect(pages[1].Locator("#consensus-submit")).ToBeVisibleAsync();
        await LiveRegion.ExpectSaidAsync(pages[1], "You are now the host: you record the group's decision\\.");
        await LiveRegion.ExpectSaidAsync(pages[2], "Handed2 is now the host and records the group's decision\\.");
        foreach (var page in new[] { pages[0], pages[2] })
        {
            await Expect(page.Locator("#consensus-submit")).ToHaveCountAsync(0);
            await Expect(page.Locator("#consensus-wait")).ToHaveTextAsync("Waiting for Handed2, the host, to record the group's decision.");
        }

        await pages[1].CheckAsync("#consensus-0");
        await pages[1].CheckAsync("#consensus-confidence-4");
        await pages[1].ClickAsync("#consensus-submit");
        foreach (var page in pages)
        {
            await Expect(page.Locator("#past-list li")).ToHaveCountAsync(1);
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_player_whose_tab_closed_mid_game_is_offered_the_game_in_a_new_tabs_lobby_and_goes_back_in()
    {
        var (pages, code) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Tabbed");
        await ClientFlows.StartGameAsync(pages, scan: false);
        await Expect(pages[2].Locator("#round-title")).ToContainTextAsync("Round 1 of 5");
        var context = pages[2].Context;
        var tabbedId = await pages[2].EvaluateAsync<long>("JSON.parse(sessionStorage.getItem('dilemma.session')).user_id");
        await pages[2].CloseAsync();

        // The host's focus is on the seat's Remove as the player is gone; their return draws Hand host in its place.
        await pages[0].FocusAsync($"#remove-{tabbedId}");

        // A new tab of the same browser is signed out (the sign-in lives in the tab) and signs in as the same guest;
        // its lobby said nothing of the game, whose code the player had to ask the others for.
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", "en");
        await page.FillAsync("#guest-nickname", "Tabbed3");
        await page.ClickAsync("#guest-submit");
        await Expect(page.Locator("#unfinished-game")).ToContainTextAsync($"room {code}");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "lobby-unfinished-game");

        await page.ClickAsync("#unfinished-rejoin");
        await Expect(page.Locator("#round-title")).ToContainTextAsync("Round 1 of 5");

        // The focus follows the seat to its new button: the redraw dropped it to the page's body.
        await Expect(pages[0].Locator($"#hand-host-{tabbedId}")).ToBeFocusedAsync();
        await page.CheckAsync("#choice-0");
        await page.CheckAsync("#confidence-3");
        await page.ClickAsync("#choice-submit");
        await Expect(pages[0].Locator("#chosen-count")).ToHaveTextAsync("1 of 3 have chosen");
        foreach (var other in pages[..2])
        {
            await other.Context.CloseAsync();
        }

        await context.CloseAsync();
    }

    [Fact]
    public async Task After_a_game_ends_the_player_goes_back_to_the_lobby_and_a_reload_stays_there()
    {
        var page = await ClientFlows.SignInGuestAsync(() => browser.NewPageAsync(), "Afterwards");
        await page.FillAsync("#create-title", "Over soon");
        await page.CheckAsync("#visibility-private");
        await page.ClickAsync("#create-submit");
        await page.SelectOptionAsync("#bot-count", "2");
        await page.ClickAsync("#add-bots");
        await Expect(page.Locator("#participants li")).ToHaveCountAsync(3);
        await page.ClickAsync("#assign-random");
        await Expect(page.Locator("#start-game")).ToBeEnabledAsync();
        await page.ClickAsync("#start-game");
        // Bots do not talk: the card promised "Voice connects when the others join".
        await Expect(page.Locator("#voice-alone")).ToHaveTextAsync("Nobody else in this room can talk: the other seats are bots or empty.");
        await Expect(page.Locator("#mute")).ToBeVisibleAsync();
        await page.ClickAsync("#end-game");
        await page.ClickAsync("#end-confirm");
        await Expect(page.Locator("#room-phase")).ToHaveTextAsync("Finished");

        // Voice ends with the game: the card said the microphone was on and offered to start recording. Nothing was
        // decided, so the statistics say that rather than draw empty charts.
        await Expect(page.Locator("#voice-ended")).ToHaveTextAsync("Voice ended with the game: your microphone is off.");
        await Expect(page.Locator("#voice #mute, #voice #recording-toggle, #voice #mic-state")).ToHaveCountAsync(0);
        await Expect(page.Locator("#stats-none")).ToBeVisibleAsync();

        // The finished game was a dead end: only signing out left it, and a reload came back to it.
        await Expect(page.Locator("#room-back")).ToBeVisibleAsync();
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "finished");
        await page.ClickAsync("#room-back");
        await Expect(page.Locator("#create-form")).ToBeVisibleAsync();
        await Expect(page.Locator("#room-code")).ToHaveCountAsync(0);
        await Expect(page.Locator("#unfinished-game")).ToHaveCountAsync(0);

        await page.ReloadAsync();
        await Expect(page.Locator("#create-form")).ToBeVisibleAsync();
        await Expect(page.Locator("#room-code")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    private static async Task<JsonElement> RoomAsync(IPage page) =>
        await page.EvaluateAsync<JsonElement>(
            "async () => { const s = JSON.parse(sessionStorage.getItem('dilemma.session')); const code = sessionStorage.getItem('dilemma.room'); " +
            "return (await fetch(`/rooms/${code}`, { headers: { Authorization: `Bearer ${s.access_token}` } })).json(); }");
}
