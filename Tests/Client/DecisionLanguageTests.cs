using Dilemma.Grains.Research;
using Dilemma.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>
/// The web app sends the language its page shows a round in with each choice: one made after switching to Korean is
/// recorded as ko, one made on a page switched to Korean and back to English as en.
/// </summary>
public sealed class DecisionLanguageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_choice_is_recorded_in_the_language_its_page_showed_when_it_was_sent()
    {
        var (pages, code) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Lang");
        await pages[0].ClickAsync("#assign-random");
        await Expect(pages[0].Locator("#start-game")).ToBeEnabledAsync();
        await pages[0].ClickAsync("#start-game");

        await pages[1].SelectOptionAsync("#lang-select", "ko");
        await pages[2].SelectOptionAsync("#lang-select", "ko");
        await pages[2].SelectOptionAsync("#lang-select", "en");

        // Confidence tells the three choices apart in the store: 3 from the English page, 4 the Korean, 5 the one switched back.
        for (var i = 0; i < pages.Length; i++)
        {
            await pages[i].CheckAsync("#choice-0");
            await pages[i].CheckAsync($"#confidence-{3 + i}");
            await pages[i].ClickAsync("#choice-submit");
        }

        await Expect(pages[0].Locator("#chosen-count")).ToHaveTextAsync("3 of 3 have chosen");
        var research = browser.Services.GetRequiredService<InMemoryResearchStore>();
        var languages = new Dictionary<int, string?>();
        await Eventually.UntilAsync(
            () =>
            {
                var room = research.SnapshotRooms().Single(r => r.Record.RoomCode == code);
                languages = room.Submissions.ToDictionary(s => s.Confidence, s => s.Language);
                return Task.FromResult(languages.Count == 3);
            },
            TimeSpan.FromSeconds(10),
            () => $"three recorded choices in room {code} (recorded: {languages.Count})",
            Ct);
        Assert.Equal(new Dictionary<int, string?> { [3] = "en", [4] = "ko", [5] = "en" }, languages);

        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }
}
