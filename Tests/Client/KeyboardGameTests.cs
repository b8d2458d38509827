using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>
/// The game without a mouse, as a school's accessibility audit plays it: three pages driven by Tab, Enter, Space and the
/// arrows only (no click anywhere), with the focus visible and put somewhere sensible when the screen changes, and what
/// the others did said in the live region. One of the three plays on a 320 px wide screen (a phone, or 400% zoom).
/// </summary>
public partial class KeyboardGameTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Three_players_play_a_whole_game_by_keyboard_alone()
    {
        var players = new[]
        {
            new KeyboardPlayer(await browser.NewPageAsync()),
            new KeyboardPlayer(await browser.NewPageAsync()),
            new KeyboardPlayer(await browser.NewPageAsync(width: 320, height: 640)),
        };
        var (host, narrow) = (players[0], players[2]);
        for (var i = 0; i < players.Length; i++)
        {
            await SignInAsync(players[i], $"Keys{i + 1}");
        }

        await narrow.AssertNoSidewaysScrollAsync("lobby");
        await host.TypeAsync("#create-title", "Keys room");
        // Public is ticked; the arrow moves the group to private.
        await host.TabToAsync("#visibility-public");
        await host.Page.Keyboard.PressAsync("ArrowDown");
        await Expect(host.Page.Locator("#visibility-private")).ToBeCheckedAsync();
        await host.PressAsync("#create-submit");
        await Expect(host.Page.Locator("#room-code")).ToHaveTextAsync(RoomCode());
        // The new screen's heading has the focus (it was the whole main region: read in full, or not at all).
        await Expect(host.Page.Locator("#screen-title")).ToBeFocusedAsync();
        var code = RoomCode().Match(await host.Page.Locator("#room-code").InnerTextAsync()).Groups["code"].Value;

        await AssertWrongCodeIsToldAtTheFieldAsync(players[1]);
        foreach (var player in players[1..])
        {
            await player.TypeAsync("#join-code", code);
            await player.Page.Keyboard.PressAsync("Enter");
            await Expect(player.Page.Locator("#room-code")).ToHaveTextAsync($"Room code {code}");
            await Expect(player.Page.Locator("#screen-title")).ToBeFocusedAsync();
        }

        await LiveRegion.RecordAsync(players[1].Page);
        await Expect(host.Page.Locator("#participants li")).ToHaveCountAsync(3);
        await narrow.AssertNoSidewaysScrollAsync("waiting room");
        await host.PressAsync("#assign-random");
        await Expect(host.Page.Locator("#start-game")).ToBeEnabledAsync();
        await host.PressAsync("#start-game");
        // Start went with the waiting room: the focus is on the round, not dropped to the top of the page.
        await Expect(host.Page.Locator("#round-title")).ToContainTextAsync("Round 1 of 5");
        await Expect(host.Page.Locator("#round-title")).ToBeFocusedAsync();

        for (var round = 1; round <= 5; round++)
        {
            await PlayRoundAsync(players, round);
        }

        await Expect(host.Page.Locator("#room-phase")).ToHaveTextAsync("Finished");
        await LiveRegion.ExpectSaidAsync(players[1].Page, "The game is over\\.");
        await Expect(host.Page.Locator("#screen-title")).ToBeFocusedAsync();
        await Expect(narrow.Page.Locator("#statistics svg.chart")).ToHaveCountAsync(3);
        await narrow.AssertNoSidewaysScrollAsync("statistics");

        // The charts' numbers: the disclosure opens from the keyboard, and its table is the next stop, a region it can scroll.
        await host.PressAsync("#stats-summary");
        await Expect(host.Page.Locator("#stats-table")).ToBeVisibleAsync();
        await Expect(host.Page.Locator("#stats-summary")).ToBeFocusedAsync();
        await host.Page.Keyboard.PressAsync("Tab");
        await Expect(host.Page.Locator("#stats-details .table-wrap")).ToBeFocusedAsync();
        await Expect(host.Page.Locator("#stats-details .table-wrap")).ToHaveAccessibleNameAsync("Show the numbers as a table");
        await Expect(host.Page.Locator("#confidence-table tbody tr")).ToHaveCountAsync(5);

        await host.PressAsync("#feedback-load");
        await Expect(host.Page.Locator("#feedback-text")).ToBeVisibleAsync();

        foreach (var player in players)
        {
            Assert.True(player.UnseenFocus.Count == 0, $"Focus without a visible outline at: {string.Join(", ", player.UnseenFocus.Distinct())}");
            await player.Page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task The_hosts_end_the_game_question_takes_the_focus_and_Escape_answers_no()
    {
        var (pages, _) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Esc");
        await ClientFlows.StartGameAsync(pages, scan: false);
        var host = new KeyboardPlayer(pages[0]);

        await host.PressAsync("#end-game");
        // The button pressed is gone: the question has the focus, so it is read out and its answers are the next stops.
        await Expect(host.Page.Locator("#end-ask")).ToBeFocusedAsync();
        await Expect(host.Page.Locator("#end-ask")).ToHaveAccessibleNameAsync("End the game now? The rounds not yet decided stay undecided.");
        await host.Page.Keyboard.PressAsync("Escape");
        await Expect(host.Page.Locator("#end-question")).ToHaveCountAsync(0);
        await Expect(host.Page.Locator("#end-game")).ToBeFocusedAsync();
        await Expect(host.Page.Locator("#room-phase")).ToHaveTextAsync("Playing");

        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_round_timer_warns_through_the_live_region_once_ten_seconds_are_left()
    {
        var (pages, _) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Warn", choiceSeconds: 15);
        await LiveRegion.RecordAsync(pages[1]);
        await ClientFlows.StartGameAsync(pages, scan: false);

        // role="timer" is not read out as it counts: the warning is said once, in words, with the time left.
        await LiveRegion.ExpectSaidAsync(pages[1], "^Time is nearly up for choosing: 0:(10|0\\d) left\\.$");
        var warnings = await pages[1].EvaluateAsync<int>("() => window.liveSaid.filter((said) => said.startsWith('Time is nearly up')).length");
        Assert.Equal(1, warnings);

        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }

    /// <summary>A guest signs in from the keyboard: English, both consents ticked with Space, the nickname, Enter.</summary>
    private static async Task SignInAsync(KeyboardPlayer player, string nickname)
    {
        var page = player.Page;
        await page.GotoAsync("/");
        // The first stop is the skip link, and it takes the focus past the header.
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#skip-link")).ToBeFocusedAsync();
        await player.TabToAsync("#lang-select");
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await player.TickAsync("#data-consent");
        await player.TickAsync("#voice-consent");
        await player.TypeAsync("#guest-nickname", nickname);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#create-topic input").First).ToBeAttachedAsync(new() { Timeout = 60_000 });
        await Expect(page.Locator("#screen-title")).ToBeFocusedAsync();
    }

    /// <summary>
    /// One round from the keyboard: a choice and a sureness each, the second player first sending none and being told
    /// at the field; then the host records the group's decision, and the others hear it.
    /// </summary>
    private static async Task PlayRoundAsync(KeyboardPlayer[] players, int round)
    {
        var host = players[0];
        foreach (var player in players)
        {
            await Expect(player.Page.Locator("#round-title")).ToContainTextAsync($"Round {round} of 5");
        }

        if (round == 1)
        {
            await AssertMissingChoiceIsToldAtTheFieldAsync(players[1]);
        }

        for (var i = 0; i < players.Length; i++)
        {
            var player = players[i];
            await player.ChooseAsync("choice", (i + round) % 2);
            await player.ChooseAsync("confidence", 1 + ((i + round) % 5));
            await player.PressAsync("#choice-submit");
            await Expect(player.Page.Locator("#choice-recorded")).ToBeVisibleAsync();
            // The button stays where the player is (disabled while sending, it lost the focus to the page's body).
            await Expect(player.Page.Locator("#choice-submit")).ToBeFocusedAsync();
        }

        if (round == 1)
        {
            await players[2].AssertNoSidewaysScrollAsync("round");
        }

        await LiveRegion.ExpectSaidAsync(players[1].Page, "3 of 3 have chosen\\.");
        await host.ChooseAsync("consensus", 1);
        await host.ChooseAsync("consensus-confidence", 4);
        await host.PressAsync("#consensus-submit");
        foreach (var player in players)
        {
            await Expect(player.Page.Locator("#past-list li")).ToHaveCountAsync(round);
        }

        // What the group decided and the round it opened, in one reading: said apart, the second cut the first off.
        var next = round < 5 ? $" Round {round + 1} has started\\." : string.Empty;
        await LiveRegion.ExpectSaidAsync(players[1].Page, $"^The group decided round {round}: B\\. .*{next}$");
        if (round < 5)
        {
            await Expect(host.Page.Locator("#round-title")).ToContainTextAsync($"Round {round + 1} of 5");
            await Expect(host.Page.Locator("#round-title")).ToBeFocusedAsync();
        }
    }

    /// <summary>
    /// A code no room has: the field is marked invalid, described by the alert that says why, and has the focus to type
    /// it again (emptied here, as a player would).
    /// </summary>
    private static async Task AssertWrongCodeIsToldAtTheFieldAsync(KeyboardPlayer player)
    {
        await player.TypeAsync("#join-code", "000000");
        await player.Page.Keyboard.PressAsync("Enter");
        var field = player.Page.Locator("#join-code");
        await Expect(field).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(field).ToHaveAccessibleDescriptionAsync("No room with that code. Check the six digits.");
        await Expect(field).ToBeFocusedAsync();
        await player.Page.Keyboard.PressAsync("Control+A");
        await player.Page.Keyboard.PressAsync("Delete");
        await Expect(field).ToHaveValueAsync(string.Empty);

        // The same for a class's code no session has; the room code's field is no longer the one marked.
        await player.TypeAsync("#class-code", "ABCDEFGHJK");
        await player.Page.Keyboard.PressAsync("Enter");
        var classCode = player.Page.Locator("#class-code");
        await Expect(classCode).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(classCode).ToHaveAttributeAsync("aria-describedby", "error");
        await Expect(classCode).ToBeFocusedAsync();
        await Expect(field).Not.ToHaveAttributeAsync("aria-invalid", "true");
    }

    /// <summary>Submit with nothing chosen: the options are marked invalid, described by the error beside them, and focused.</summary>
    private static async Task AssertMissingChoiceIsToldAtTheFieldAsync(KeyboardPlayer player)
    {
        await player.PressAsync("#choice-submit");
        var first = player.Page.Locator("#choice-0");
        await Expect(first).ToBeFocusedAsync();
        await Expect(first).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(first).ToHaveAccessibleDescriptionAsync("Pick one of the options.");
        await Expect(player.Page.Locator("#choice-error")).ToBeVisibleAsync();
        await Expect(player.Page.Locator("#confidence-1")).ToHaveAttributeAsync("aria-invalid", "true");

        // Picking an option takes its error away; the sureness's stays until it has one too.
        await player.Page.Keyboard.PressAsync("Space");
        await Expect(first).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(player.Page.Locator("#choice-error")).ToHaveCountAsync(0);
        await Expect(player.Page.Locator("#confidence-error")).ToBeVisibleAsync();
    }

    [GeneratedRegex(@"Room code (?<code>\d{6})")]
    private static partial Regex RoomCode();
}
