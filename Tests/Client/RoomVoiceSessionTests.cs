using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>
/// What the room's voice session carries besides microphones, in Chromium. The console sent a facilitator's message to
/// every room, and the voice socket delivered it, but the students' pages ignored it; the room's recording switch
/// (start_recording, recording_state) had no control and no sign on the page, so nobody could tell whether they were
/// being recorded for research.
/// </summary>
public class RoomVoiceSessionTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Students_see_their_facilitators_message_and_whether_the_room_is_recorded_and_only_a_consenting_one_may_switch_it()
    {
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var pages = new List<IPage>();
        foreach (var name in new[] { "Rae", "Sol", "Tam" })
        {
            var page = await ClientFlows.SignInGuestAsync(() => browser.NewPageAsync(), name);
            await page.FillAsync("#class-code", code);
            await page.ClickAsync("#class-submit");
            await Expect(page.Locator("#class-status")).ToHaveAttributeAsync("data-status", "waiting");
            pages.Add(page);
        }

        await SessionKit.StartAsync(facilitator, code, Ct);
        foreach (var page in pages)
        {
            await Expect(page.Locator("#round-title")).ToContainTextAsync("Round 1 of 5");
            await Expect(page.Locator("#recording-state")).ToHaveAttributeAsync("data-recording", "false");
        }

        await LiveRegion.RecordAsync(pages[0]);
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/broadcast", new { message = "Five minutes left" }, Ct));
        foreach (var page in pages)
        {
            await Expect(page.Locator("#facilitator-messages")).ToContainTextAsync("Five minutes left");
        }

        // A screen reader hears it as it comes, with whom it is from.
        await LiveRegion.ExpectSaidAsync(pages[0], "Message from your facilitator: Five minutes left");

        // Its time is written as every other time on the page, in the page's language (it took the browser's: "7:23:53 AM").
        var at = pages[1].Locator("#facilitator-messages li .muted");
        await Expect(at).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^at \d{2}:\d{2}$"));
        await pages[1].SelectOptionAsync("#lang-select", "ko");
        await Expect(at).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^(오전|오후) \d{1,2}:\d{2}$"));
        await pages[1].SelectOptionAsync("#lang-select", "en");

        // One starts the recording: every page says so, and who.
        await pages[0].ClickAsync("#recording-toggle");
        foreach (var page in pages)
        {
            await Expect(page.Locator("#recording-state")).ToHaveAttributeAsync("data-recording", "true");
            await Expect(page.Locator("#recording-state")).ToContainTextAsync("Rae");
        }

        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(pages[1], "round-facilitator-recording");

        // One who has taken back their voice consent may not stop it, and is told why.
        var token = JsonDocument.Parse(await pages[2].EvaluateAsync<string>("sessionStorage.getItem('dilemma.session')")).RootElement.GetProperty("access_token").GetString();
        using (var withdraw = new HttpRequestMessage(HttpMethod.Patch, "/auth/me/consent") { Content = JsonContent.Create(new { voice_consent = false }) })
        {
            withdraw.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            await HttpAssert.OkAsync<JsonElement>(await browser.Client.SendAsync(withdraw, Ct));
        }

        await pages[2].ClickAsync("#recording-toggle");
        await Expect(pages[2].Locator("#error")).ToHaveAttributeAsync("data-code", "voice_consent_required");
        await Expect(pages[2].Locator("#recording-state")).ToHaveAttributeAsync("data-recording", "true");

        // The one who may stops it, for everyone.
        await pages[1].ClickAsync("#recording-toggle");
        foreach (var page in pages)
        {
            await Expect(page.Locator("#recording-state")).ToHaveAttributeAsync("data-recording", "false");
        }

        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }
}
