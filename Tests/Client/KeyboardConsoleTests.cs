using Dilemma.Tests.Accounts;
using Dilemma.Tests.Realtime;
using Dilemma.Tests.Rooms;
using Dilemma.Tests.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Dilemma.Tests.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>
/// The facilitator's console without a mouse: a class run from the keyboard alone (Tab, Shift+Tab, Enter, Space, Escape,
/// the arrows), its students enrolling and playing through the API meanwhile. Every Tab stop shows its focus, and the
/// focus is never dropped to the page's body by an action or by the rooms' live updates.
/// </summary>
public class KeyboardConsoleTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_facilitator_runs_a_class_from_opening_to_its_results_by_keyboard_alone()
    {
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), Ct);
        var keys = new KeyboardPlayer(await browser.NewPageAsync());
        var page = keys.Page;
        await SignInAsync(keys, facilitator.Tokens.Username);

        // The session's form, its settings opened from their summary: ten minutes to choose, bots allowed.
        await keys.PressAsync("#open-console");
        await Expect(page.Locator("#screen-title")).ToBeFocusedAsync();
        await Expect(page.Locator("#session-topic input").First).ToBeAttachedAsync();
        await keys.TypeAsync("#session-title", "Keys class");
        await keys.ChooseAsync("topic", RoomKit.Topic);
        await keys.PressAsync("#session-settings summary");
        await Expect(page.Locator("#session-settings")).ToHaveAttributeAsync("open", string.Empty);
        await keys.TypeAsync("#session-choice-seconds", "600");
        await keys.TickAsync("#session-bots-allowed");
        await keys.PressAsync("#session-submit");
        await Expect(page.Locator("#session-heading")).ToBeFocusedAsync();
        var code = (await page.Locator("#session-code").TextContentAsync())!;

        // Six students enrol while the facilitator waits on the pool: its redraws leave the focus where it was.
        await keys.TabToAsync("#pool-refresh");
        var students = await SessionKit.EnrolledAsync(browser.Client, code, 6, Ct);
        await Expect(page.Locator("#pool-count")).ToHaveAttributeAsync("data-count", "6");
        await Expect(page.Locator("#pool-refresh")).ToBeFocusedAsync();
        await keys.PressAsync("#session-start");
        await Expect(page.Locator("#rooms-table tbody tr[data-phase=started]")).ToHaveCountAsync(2);
        await keys.AssertFocusKeptAsync("the start");
        // Start goes with the pool: the rooms take the focus, where the facilitator acts next (it was the page's
        // heading, a screen above them), named by their caption, and the start is said politely.
        await Expect(page.Locator("#rooms-region")).ToBeFocusedAsync();
        await Expect(page.Locator("#rooms-region")).ToHaveAccessibleNameAsync("The session's rooms, live");
        await Expect(page.Locator("#live")).ToHaveTextAsync("The session has started. Rooms: 2.");

        var session = await HttpAssert.OkAsync<System.Text.Json.JsonElement>(await facilitator.GetAsync($"/sessions/{code}", Ct));
        var rooms = SessionKit.Rooms(session);
        var (a, b) = (rooms[0].GetProperty("room_code").GetString()!, rooms[1].GetProperty("room_code").GetString()!);
        var seat = (int room, int i) => students.Single(s => s.UserId == SessionKit.UserIds(rooms[room])[i]);
        var inA = new[] { seat(0, 0), seat(0, 1), seat(0, 2) };
        var inB = new[] { seat(1, 0), seat(1, 1), seat(1, 2) };

        // Pause is drawn again as Resume and back; +1 min stays pressed-on.
        await keys.PressAsync($"#room-pause-{a}");
        await Expect(page.Locator($"#room-resume-{a}")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator($"#room-pause-{a}")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator($"#room-extend-{a}")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#console-done")).ToHaveTextAsync($"Room {a} has one more minute.");
        await Expect(page.Locator($"#room-extend-{a}")).ToBeFocusedAsync();

        // Room A plays two rounds while the focus sits on its +1 min: the pushes redraw the row around it.
        await RoomKit.PlayRoundAsync(inA, a, 1, Ct);
        await RoomKit.PlayRoundAsync(inA, a, 2, Ct);
        await Expect(page.Locator($"#rooms-table tr[data-room-code='{a}'] [data-column=round]")).ToHaveTextAsync("3");
        await Expect(page.Locator("#session-results")).ToHaveAttributeAsync("data-rounds", "2");
        await Expect(page.Locator($"#room-extend-{a}")).ToBeFocusedAsync();

        // A student's Remove has the focus as they connect: the button is greyed out under it, and the focus stays in the table.
        await keys.TabToAsync($"#seat-remove-{a}-{inA[2].UserId}", back: true);
        await using (var socket = await RealtimeKit.VoiceAsync(browser.Address, inA[2], a, Ct))
        {
            await socket.SendAsync(new { type = "init" }, Ct);
            await socket.NextAsync("session_state", Ct);
            await Expect(page.Locator($"#seat-remove-{a}-{inA[2].UserId}")).ToBeDisabledAsync();
            await keys.AssertFocusKeptAsync("a student connecting under the focused Remove");
            // The rooms' table keeps it, the region the greyed-out button is in: the next Tab goes on from there.
            await Expect(page.Locator("#console-rooms .table-wrap")).ToBeFocusedAsync();
        }

        // Gone again, the student is removed: asked first, Escape answers No, then Enter on Yes.
        var remove = page.Locator($"#seat-remove-{a}-{inA[2].UserId}");
        await Expect(remove).ToBeEnabledAsync();
        await keys.PressAsync($"#seat-remove-{a}-{inA[2].UserId}");
        await Expect(page.Locator("#console-confirm")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("#console-confirm")).ToHaveCountAsync(0);
        await Expect(remove).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#console-confirm")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#console-confirm-yes")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#console-done")).ToContainTextAsync($"is out of the game in room {a}.");
        await Expect(page.Locator("#console-done")).ToBeFocusedAsync();
        await Expect(page.Locator($"#rooms-table tr[data-room-code='{a}'] [data-user-id='{inA[2].UserId}']")).ToHaveAttributeAsync("data-state", "removed");

        // The first of room B moves into the free seat, picked in the two selects with the arrows.
        await keys.ChooseAsync("user_id", $"{b}:{inB[0].UserId}");
        await keys.SelectAsync("#move-to", a);
        await keys.PressAsync("#move-submit");
        await Expect(page.Locator($"#rooms-table tr[data-room-code='{b}'] [data-user-id='{inB[0].UserId}']")).ToHaveAttributeAsync("data-state", "moved");
        await keys.AssertFocusKeptAsync("a move");

        // A bot takes the role the mover left in room B; its button goes with the action.
        await keys.PressAsync($"#seat-bot-{b}-{inB[0].UserId}", back: true);
        await Expect(page.Locator($"#rooms-table tr[data-room-code='{b}'] [data-column=presence]")).ToContainTextAsync(": bot");
        await Expect(page.Locator("#console-done")).ToContainTextAsync($"in room {b}.");
        await keys.AssertFocusKeptAsync("seating a bot");

        await keys.TypeAsync("#broadcast-message", "Five minutes left");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#broadcast-status")).ToHaveTextAsync("Sent to every room.");
        await keys.AssertFocusKeptAsync("a broadcast");

        // Every room at once, and back.
        await keys.PressAsync("#session-pause", back: true);
        await Expect(page.Locator($"#room-resume-{b}")).ToBeVisibleAsync();
        await Expect(page.Locator("#session-pause")).ToBeFocusedAsync();
        await keys.PressAsync("#session-resume");
        await Expect(page.Locator($"#room-pause-{b}")).ToBeVisibleAsync();
        await Expect(page.Locator("#session-resume")).ToBeFocusedAsync();

        // Room B's game ends: Escape first, then Yes (past it to Cancel, and Shift+Tab back).
        await keys.PressAsync($"#room-end-{b}");
        await Expect(page.Locator("#console-confirm")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator($"#room-end-{b}")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#console-confirm-cancel")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Shift+Tab");
        await Expect(page.Locator("#console-confirm-yes")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator($"#rooms-table tr[data-room-code='{b}']")).ToHaveAttributeAsync("data-phase", "finished");
        await Expect(page.Locator("#console-done")).ToBeFocusedAsync();

        // Enrolment closes (its button goes with it).
        await keys.PressAsync("#session-close", back: true);
        await Expect(page.Locator("#console-confirm")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#session-status")).ToHaveAttributeAsync("data-status", "closed");
        await Expect(page.Locator("#console-done")).ToBeFocusedAsync();

        // The results' numbers: the disclosure opens from the keyboard, and each of its tables is a named stop of its own
        // (a wide table scrolls in its region, and a region the keyboard cannot reach cannot be scrolled).
        await keys.PressAsync("#session-results-details summary");
        await Expect(page.Locator("#session-results-details")).ToHaveAttributeAsync("open", string.Empty);
        foreach (var table in new[] { "session-options-table", "session-flow-table", "session-rounds-table" })
        {
            await page.Keyboard.PressAsync("Tab");
            var region = page.Locator($".table-wrap:has(#{table})");
            await Expect(region).ToBeFocusedAsync();
            await Expect(region).ToHaveAttributeAsync("role", "region");
            await Expect(region).ToHaveAccessibleNameAsync(await page.Locator($"#{table} caption").InnerTextAsync());
        }

        await Expect(page.Locator("#session-options-table tr[data-round='1'][data-option='0'] [data-column=chose]")).ToHaveTextAsync("2");
        await Expect(page.Locator("#session-flow-table tr[data-round='2'][data-from='1'][data-to='0'] [data-column=count]")).ToHaveTextAsync("1");
        await Expect(page.Locator("#session-rounds-table tr[data-round='2'] [data-column=rate]")).ToHaveTextAsync("100%");

        Assert.True(keys.UnseenFocus.Count == 0, $"Focus without a visible outline at: {string.Join(", ", keys.UnseenFocus.Distinct())}");
        await page.Context.CloseAsync();
    }

    /// <summary>An account signs in from the keyboard: English, the username and password typed, Enter.</summary>
    private static async Task SignInAsync(KeyboardPlayer keys, string username)
    {
        var page = keys.Page;
        await page.GotoAsync("/");
        await keys.TabToAsync("#lang-select");
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await keys.TypeAsync("#account-username", username);
        await keys.TypeAsync("#account-password", Roles.Password);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#create-topic input").First).ToBeAttachedAsync(new() { Timeout = 60_000 });
        await Expect(page.Locator("#screen-title")).ToBeFocusedAsync();
    }
}
