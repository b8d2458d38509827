using Dilemma.Grains.Interfaces.Accounts;
using System.Text.Json;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Dilemma.Tests.Sessions;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>
/// The screens other than the game's at 400% zoom (320 CSS px) and with WCAG's text spacing, in English and Korean
/// (Reflow): sign-in and registration, the lobby with its forms, the console with its settings, rooms, move and results,
/// the research page, the admin page, the data page and a student's class waiting for its start.
/// </summary>
public class ReflowTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Nicknames of the most characters a room takes (32), without a space to break at, three in each language.</summary>
    private static readonly string[] LongNicknames =
        [.. Enumerable.Range(1, 3).SelectMany(n => new[] { $"Wolfeschlegelsteinhausenbergerd{n}", $"가나다라마바사아자차카타파하거너더러머버서어저처커터퍼허고노도{n}" })];

    /// <summary>
    /// A select cuts off the words of its choice in its own box, which no overflow style or scrollWidth shows: the check
    /// measures the choices, so a select narrower than the words of one of them, chosen or not, is caught, and one as
    /// wide as them all is not.
    /// </summary>
    [Fact]
    public async Task The_clipped_text_check_sees_a_select_too_narrow_for_any_of_its_choices()
    {
        var page = await browser.NewPageAsync(width: 320, height: 640);
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", "en");
        await Expect(page.Locator("#account-username")).ToBeVisibleAsync();
        Assert.DoesNotContain(await Reflow.ClippedTextAsync(page), clipped => clipped.StartsWith("select#lang-select ", StringComparison.Ordinal));

        // A choice not chosen, wider than the phone: cut off as soon as it is chosen.
        await page.EvaluateAsync("() => { const option = document.createElement('option'); option.id = 'wide-option'; option.textContent = 'A language whose name is longer than a phone is wide, and longer than any field on the page'; document.getElementById('lang-select').append(option); }");
        Assert.Contains(await Reflow.ClippedTextAsync(page), clipped => clipped.StartsWith("select#lang-select ", StringComparison.Ordinal));
        await page.EvaluateAsync("() => document.getElementById('wide-option').remove()");

        await page.EvaluateAsync("() => { document.getElementById('lang-select').style.width = '2.5rem'; }");
        Assert.Contains(await Reflow.ClippedTextAsync(page), clipped => clipped.StartsWith("select#lang-select ", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Every_screen_but_the_games_reflows_at_320_px_and_keeps_its_text_whole_with_wider_spacing()
    {
        var grains = browser.Services.GetRequiredService<IGrainFactory>();
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, grains, Ct);
        // Each grant refreshes the pair it is given: the second is given the first's.
        var researcher = await Roles.GrantAsync(browser.Client, grains, facilitator.Tokens, AccountRoles.Researcher, Ct);
        await Roles.GrantAsync(browser.Client, grains, researcher, AccountRoles.Admin, Ct);
        // A class with a room two rounds in, so the console has rooms and results and the research page has figures.
        // Two rooms, so the console offers to move a student, whose students have the longest nicknames allowed, in
        // English and in Korean.
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, choiceSeconds: 600));
        var students = new List<Player>();
        foreach (var nickname in LongNicknames)
        {
            students.Add(await RoomKit.GuestAsync(browser.Client, Ct, nickname));
        }

        foreach (var enrolling in students)
        {
            await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(enrolling, code, Ct));
        }

        var room = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))[0];
        var roomCode = room.GetProperty("room_code").GetString()!;
        var seated = SessionKit.UserIds(room).Select(id => students.Single(s => s.UserId == id)).ToArray();
        await RoomKit.PlayRoundAsync(seated, roomCode, 1, Ct);
        await RoomKit.PlayRoundAsync(seated, roomCode, 2, Ct);

        var page = await browser.NewPageAsync(width: 320, height: 640);
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", "en");
        await Expect(page.Locator("#account-username")).ToBeVisibleAsync();
        await page.ClickAsync("#setup-details summary");
        await Reflow.AssertReflowsAsync(page, "signin");

        await page.FillAsync("#account-username", facilitator.Tokens.Username);
        await page.FillAsync("#account-password", Roles.Password);
        await page.ClickAsync("#login-submit");
        await Expect(page.Locator("#create-topic input").First).ToBeAttachedAsync(new() { Timeout = 60_000 });
        await Reflow.AssertReflowsAsync(page, "lobby");

        await page.ClickAsync("#open-console");
        await Expect(page.Locator("#session-topic input").First).ToBeAttachedAsync();
        await page.ClickAsync("#session-settings summary");
        await Reflow.AssertReflowsAsync(page, "console-settings");

        await page.FillAsync("#reopen-code", code);
        await page.ClickAsync("#reopen-submit");
        await Expect(page.Locator("#rooms-table tbody tr[data-phase=started]")).ToHaveCountAsync(2);
        await Expect(page.Locator("#move-form")).ToContainTextAsync(LongNicknames[0]);
        await Expect(page.Locator("#session-results")).ToHaveAttributeAsync("data-rounds", "2");
        await page.ClickAsync("#session-results-details summary");
        await Reflow.AssertReflowsAsync(page, "console-session");

        await page.ClickAsync("#console-back");
        await page.ClickAsync("#open-research");
        await Expect(page.Locator("#research-counts [data-count=exports] dd")).ToBeVisibleAsync();
        await Expect(page.Locator("svg#chart-topics-majority[role=img]")).ToBeVisibleAsync();
        await page.ClickAsync("#figures-details summary");
        await Reflow.AssertReflowsAsync(page, "research");

        await page.ClickAsync("#research-back");
        await page.ClickAsync("#open-admin");
        await page.FillAsync("#admin-username", facilitator.Tokens.Username);
        await page.ClickAsync("#admin-find-submit");
        await Expect(page.Locator("#admin-roles-form")).ToBeVisibleAsync();
        await Reflow.AssertReflowsAsync(page, "admin");

        await page.ClickAsync("#admin-back");
        await page.ClickAsync("#open-my-data");
        await Expect(page.Locator("#my-data-consent")).ToBeVisibleAsync();
        await Reflow.AssertReflowsAsync(page, "my-data");
        await page.Context.CloseAsync();

        // A student of another class, still open, waiting for its start.
        var waiting = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var student = await ClientFlows.SignInGuestAsync(() => browser.NewPageAsync(width: 320, height: 640), "Narrow");
        await student.FillAsync("#class-code", waiting);
        await student.ClickAsync("#class-submit");
        await Expect(student.Locator("#class-status")).ToHaveAttributeAsync("data-status", "waiting");
        await Reflow.AssertReflowsAsync(student, "class-waiting");
        await student.Context.CloseAsync();
    }
}
