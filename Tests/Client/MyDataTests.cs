using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dilemma.Grains.Interfaces.Accounts;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>
/// A participant's say over their data, in Chromium. The API had it all (the withdrawal code at the end of a game,
/// GET /auth/me/data, PATCH /auth/me/consent, DELETE /auth/me/research-data, POST /research/withdrawals), and the web
/// app offered none of it: nobody who played in a browser could see their code, their data or their consent, or
/// withdraw.
/// </summary>
public class MyDataTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_a_game_a_participant_keeps_a_code_sees_and_downloads_their_data_changes_consent_withdraws_and_another_withdraws_by_code()
    {
        var (pages, code) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Mia");
        await ClientFlows.PlayWholeGameAsync(pages, code, scan: false);

        // Each sees their own code at the end of the game: 24 letters and digits in groups of four.
        var codes = new List<string>();
        foreach (var page in pages)
        {
            await Expect(page.Locator("#withdrawal-code")).ToHaveTextAsync(new Regex("^[0-9A-Z]{4}(-[0-9A-Z]{4}){5}$"));
            codes.Add(await page.Locator("#withdrawal-code").InnerTextAsync());
        }

        Assert.Equal(3, codes.Distinct().Count());
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(pages[0], "finished-withdrawal-code");

        // From the finished game back to the lobby, and on to their data: one game, five choices, consent as given.
        var mine = pages[1];
        await mine.ClickAsync("#room-back");
        await Expect(mine.Locator("#create-form")).ToBeVisibleAsync();
        Assert.Null(await mine.EvaluateAsync<string?>("sessionStorage.getItem('dilemma.room')"));
        await mine.ClickAsync("#open-my-data");
        await Expect(Count(mine, "rooms")).ToHaveTextAsync("1");
        await Expect(Count(mine, "choices")).ToHaveTextAsync("5");
        await Expect(mine.Locator("#my-data-consent")).ToBeCheckedAsync();
        await Expect(mine.Locator("#my-voice-consent")).ToBeCheckedAsync();
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(mine, "my-data");
        await mine.ReloadAsync();
        await Expect(Count(mine, "choices")).ToHaveTextAsync("5");

        // The file holds what is held: this game's seat among it.
        var download = await mine.RunAndWaitForDownloadAsync(() => mine.ClickAsync("#held-download"));
        Assert.Equal("dilemma-my-data.json", download.SuggestedFilename);
        using (var held = JsonDocument.Parse(await File.ReadAllTextAsync(await download.PathAsync(), Ct)))
        {
            Assert.Equal(code, Assert.Single(held.RootElement.GetProperty("research").GetProperty("seats").EnumerateArray()).GetProperty("room_code").GetString());
        }

        // Voice consent taken back on the page: stored, and kept as one more consent record.
        var consentRows = int.Parse(await Count(mine, "consents").InnerTextAsync(), CultureInfo.InvariantCulture);
        await mine.UncheckAsync("#my-voice-consent");
        await mine.ClickAsync("#my-consent-save");
        await Expect(mine.Locator("#my-consent-status")).ToHaveTextAsync("Saved.");
        await Expect(Count(mine, "consents")).ToHaveTextAsync((consentRows + 1).ToString(CultureInfo.InvariantCulture));
        await Expect(mine.Locator("#my-voice-consent")).Not.ToBeCheckedAsync();
        var mineId = await UserIdAsync(mine);
        Assert.False((await Grains.GetGrain<IUserGrain>(mineId).GetAsync(Ct)).VoiceConsent);

        // The question takes the focus from the button that asked it; Escape answers No and gives the focus back.
        await mine.FocusAsync("#withdraw-start");
        await mine.Keyboard.PressAsync("Enter");
        await Expect(mine.Locator("#withdraw-ask-group")).ToBeFocusedAsync();
        await mine.Keyboard.PressAsync("Escape");
        await Expect(mine.Locator("#withdraw-ask")).ToHaveCountAsync(0);
        await Expect(mine.Locator("#withdraw-start")).ToBeFocusedAsync();

        // Withdrawn after a second press: nothing of the game is held any more, and data consent is off.
        await mine.ClickAsync("#withdraw-start");
        await Expect(mine.Locator("#withdraw-ask")).ToBeVisibleAsync();
        await mine.ClickAsync("#withdraw-confirm");
        await Expect(mine.Locator("#withdraw-done")).ToContainTextAsync("rows were deleted");
        await Expect(Count(mine, "rooms")).ToHaveTextAsync("0");
        await Expect(Count(mine, "choices")).ToHaveTextAsync("0");
        await Expect(mine.Locator("#my-data-consent")).Not.ToBeCheckedAsync();

        // Another signs out and withdraws with the code the game showed them, typed in small letters.
        var other = pages[2];
        var otherId = await UserIdAsync(other);
        await other.ClickAsync("#sign-out");
        await other.ClickAsync("#withdraw-code-card summary");
        await other.FillAsync("#withdraw-code", codes[2].ToLowerInvariant());
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(other, "signin-withdraw-code");
        await other.ClickAsync("#withdraw-code-submit");
        await Expect(other.Locator("#withdraw-code-done")).ToContainTextAsync("rows were deleted");
        Assert.Empty((await Grains.GetGrain<IUserGrain>(otherId).GetHeldDataAsync(Ct)).Research.Seats);

        // A code withdraws once; the page says so.
        await other.FillAsync("#withdraw-code", codes[2]);
        await other.ClickAsync("#withdraw-code-submit");
        await Expect(other.Locator("#error")).ToHaveAttributeAsync("data-code", "withdrawal_code_not_found");

        // The first player withdrew nothing: their seat is still held.
        Assert.Single((await Grains.GetGrain<IUserGrain>(await UserIdAsync(pages[0])).GetHeldDataAsync(Ct)).Research.Seats);
    }

    /// <summary>
    /// The page sends only booleans here, which the server takes as they are: the request is altered on its way (the voice
    /// consent sent as "yes") to have the server's own answer naming the field, 400 malformed_json at voice_consent.
    /// </summary>
    [Fact]
    public async Task A_consent_the_server_refuses_is_said_at_its_box()
    {
        var page = await ClientFlows.SignInGuestAsync(() => browser.NewPageAsync(), "Vic");
        await page.ClickAsync("#open-my-data");
        await Expect(page.Locator("#my-voice-consent")).ToBeCheckedAsync();
        await page.RouteAsync("**/auth/me/consent", route => route.ContinueAsync(new()
        {
            PostData = Encoding.UTF8.GetBytes(route.Request.PostData!.Replace("\"voice_consent\":false", "\"voice_consent\":\"yes\"", StringComparison.Ordinal)),
        }));
        await page.UncheckAsync("#my-voice-consent");
        await page.ClickAsync("#my-consent-save");

        await FieldErrors.AssertSaidAtAsync(page, "#my-voice-consent", "malformed_json", "A field was sent in a form the server cannot read. Reload the page and try again.", notAt: "#my-data-consent");
        await page.Context.CloseAsync();
    }

    private IGrainFactory Grains => browser.Services.GetRequiredService<IGrainFactory>();

    private static Microsoft.Playwright.ILocator Count(Microsoft.Playwright.IPage page, string what) => page.Locator($"#held-counts [data-count={what}] dd");

    private static async Task<long> UserIdAsync(Microsoft.Playwright.IPage page)
    {
        var session = await page.EvaluateAsync<string>("sessionStorage.getItem('dilemma.session')");
        return JsonDocument.Parse(session).RootElement.GetProperty("user_id").GetInt64();
    }
}
