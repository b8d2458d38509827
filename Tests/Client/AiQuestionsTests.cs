using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>
/// The AI facilitator's questions for a player's role, in Chromium. The product has the LLM ask each role tailored
/// questions during the discussion, and the API answered them (GET /rooms/{code}/ai/questions), but the web app never
/// asked: nobody playing in a browser saw one. Here the gateway runs without a model, so the offline facilitator answers.
/// </summary>
public class AiQuestionsTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_player_asks_for_questions_for_their_role_sees_them_in_either_language_and_the_next_round_starts_without_them()
    {
        var (pages, _) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Ask");
        await ClientFlows.StartGameAsync(pages, scan: false);
        var player = pages[1];
        await Expect(player.Locator("#round-title")).ToContainTextAsync("Round 1 of 5");
        await Expect(player.Locator("#questions-list")).ToHaveCountAsync(0);

        await player.ClickAsync("#questions-load");

        // The offline facilitator's three: the scenario's question to the role, a curated one, one about an option.
        await Expect(player.Locator("#questions-list li")).ToHaveCountAsync(3);
        await Expect(player.Locator("#questions-offline")).ToBeVisibleAsync();
        await Expect(player.Locator("#questions-load")).ToHaveTextAsync("Suggest other questions");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(player, "round-questions");
        await player.SelectOptionAsync("#lang-select", "ko");
        await Expect(player.Locator("#questions-list li").First).ToHaveTextAsync(new Regex("[\uAC00-\uD7A3]"));
        await player.SelectOptionAsync("#lang-select", "en");
        await Expect(player.Locator("#questions-list li").First).Not.ToHaveTextAsync(new Regex("[\uAC00-\uD7A3]"));

        // Asked for by one player, shown to that player only.
        await Expect(pages[2].Locator("#ai-questions")).ToBeVisibleAsync();
        await Expect(pages[2].Locator("#questions-list")).ToHaveCountAsync(0);

        // The next round's questions are asked for afresh.
        await ClientFlows.PlayRoundAsync(pages, 1, scan: false);
        await Expect(player.Locator("#round-title")).ToContainTextAsync("Round 2 of 5");
        await Expect(player.Locator("#questions-list")).ToHaveCountAsync(0);
        await Expect(player.Locator("#questions-load")).ToHaveTextAsync("Suggest questions");

        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }
}
