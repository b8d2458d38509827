using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>The steps many browser tests begin with, through the UI only.</summary>
internal static partial class ClientFlows
{
    /// <summary>Three guests (English), the first creates a private room, the others join by its code.</summary>
    public static async Task<(IPage[] Pages, string Code)> SeatThreePlayersAsync(Func<Task<IPage>> newPage, string name)
    {
        var pages = new IPage[3];
        for (var i = 0; i < pages.Length; i++)
        {
            var page = pages[i] = await newPage();
            await page.GotoAsync("/");
            await page.SelectOptionAsync("#lang-select", "en");
            await page.FillAsync("#guest-nickname", $"{name}{i + 1}");
            await page.CheckAsync("#data-consent");
            await page.CheckAsync("#voice-consent");
            await page.ClickAsync("#guest-submit");
            await Expect(page.Locator("#create-form")).ToBeVisibleAsync();
            // The lobby draws itself again when its lists arrive; typing before that would be wiped.
            await Expect(page.Locator("#create-topic option").First).ToBeAttachedAsync();
        }

        await pages[0].FillAsync("#create-title", $"{name} room");
        await pages[0].CheckAsync("#visibility-private");
        await pages[0].ClickAsync("#create-submit");
        await Expect(pages[0].Locator("#room-code")).ToHaveTextAsync(RoomCode());
        var code = RoomCode().Match(await pages[0].Locator("#room-code").InnerTextAsync()).Groups["code"].Value;

        foreach (var page in pages[1..])
        {
            await page.FillAsync("#join-code", code);
            await page.ClickAsync("#code-submit");
            await Expect(page.Locator("#room-code")).ToHaveTextAsync($"Room code {code}");
        }

        return (pages, code);
    }

    [GeneratedRegex(@"Room code (?<code>\d{6})")]
    private static partial Regex RoomCode();
}
