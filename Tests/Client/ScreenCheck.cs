using Deque.AxeCore.Playwright;
using Dilemma.Tests.Deployment;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>What every screen goes through: an axe accessibility scan and a screenshot kept with the test results.</summary>
internal static class ScreenCheck
{
    /// <summary>
    /// The impacts that fail a screen. Moderate fails too: its rules (a landmark named twice, a heading order skipped, a
    /// region without a name) are what a screen reader user stumbles over, and a school's accessibility audit counts
    /// them. Minor violations are left to review (the game, console and page tests' screens had none when moderate was added).
    /// </summary>
    private static readonly string[] Blocking = ["moderate", "serious", "critical"];

    /// <summary>Where the screenshots go: .local/test-results/screenshots/{screen}-{lang}.png.</summary>
    public static string ScreenshotFolder => Repository.PathOf(".local", "test-results", "screenshots");

    /// <summary>
    /// The scan and screenshot in Korean and in English, then back to the language the page was in: every screen is
    /// checked in both languages without the flow under test changing language.
    /// </summary>
    public static async Task AssertAccessibleInBothLanguagesAsync(IPage page, string screen)
    {
        var was = await page.EvaluateAsync<string>("document.documentElement.lang");
        foreach (var lang in new[] { "ko", "en" })
        {
            await page.SelectOptionAsync("#lang-select", lang);
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", lang);
            await AssertAccessibleAsync(page, screen);
        }

        await page.SelectOptionAsync("#lang-select", was);
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", was);
    }

    public static async Task AssertAccessibleAsync(IPage page, string screen)
    {
        var lang = await page.EvaluateAsync<string>("document.documentElement.lang");
        Directory.CreateDirectory(ScreenshotFolder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, $"{screen}-{lang}.png"), FullPage = true });

        var results = await page.RunAxe();
        var blocking = results.Violations.Where(v => Blocking.Contains(v.Impact, StringComparer.Ordinal)).ToList();
        Assert.True(blocking.Count == 0, $"The {screen} screen ({lang}) has accessibility violations: "
            + string.Join("; ", blocking.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")));
    }
}
