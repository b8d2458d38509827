using System.Text.Json;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Rooms;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>The page in a real browser: languages, narrow screens, and nothing loaded from elsewhere or refused by the CSP.</summary>
public class ClientPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_language_switch_changes_the_text_and_is_remembered()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/");

        await page.SelectOptionAsync("#lang-select", "ko");
        await Expect(page.Locator("#screen-title")).ToHaveTextAsync("환영합니다");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "ko");

        await page.SelectOptionAsync("#lang-select", "en");
        await Expect(page.Locator("#screen-title")).ToHaveTextAsync("Welcome");
        await Expect(page.Locator("label[for=guest-nickname]")).ToHaveTextAsync("Nickname");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");

        await page.ReloadAsync();
        await Expect(page.Locator("#screen-title")).ToHaveTextAsync("Welcome");
        await Expect(page.Locator("#lang-select")).ToHaveValueAsync("en");
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// A redraw (here the language switch, which draws the page again in the other language) sets what the app holds and
    /// leaves what the person typed but the app does not hold: the form's half-typed title and topic stay.
    /// </summary>
    [Fact]
    public async Task What_was_typed_into_a_form_survives_a_redraw()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", "en");
        await page.FillAsync("#guest-nickname", "Typist");
        await page.ClickAsync("#guest-submit");
        await Expect(page.Locator("#create-form")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(page.Locator("#create-topic input").First).ToBeAttachedAsync();
        var topics = await page.Locator("#create-topic input").EvaluateAllAsync<string[]>("radios => radios.map((r) => r.value)");

        await page.FillAsync("#create-title", "Half typed");
        await page.CheckAsync($"#create-topic input[value='{topics[^1]}']");
        await page.SelectOptionAsync("#lang-select", "ko");
        await Expect(page.Locator("label[for=create-title]")).ToHaveTextAsync("방 제목");

        await Expect(page.Locator("#create-title")).ToHaveValueAsync("Half typed");
        await Expect(page.Locator($"#create-topic input[value='{topics[^1]}']")).ToBeCheckedAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_room_opened_elsewhere_shows_in_the_lobby_without_a_refresh_and_what_was_typed_stays()
    {
        var page = await ClientFlows.SignInGuestAsync(() => browser.NewPageAsync(), "Watcher");
        await page.FillAsync("#create-title", "Half made");
        await page.CheckAsync("#visibility-private");

        var host = await RoomKit.GuestAsync(browser.Client, TestContext.Current.CancellationToken);
        var title = $"Opened elsewhere {Guid.NewGuid():N}";
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, TestContext.Current.CancellationToken, title: title));

        // Before, the list changed only on Refresh; and a redraw put the room form back to public.
        await Expect(page.Locator($"#join-{code}")).ToBeVisibleAsync();
        await Expect(page.Locator("#room-list")).ToContainTextAsync(title);
        await Expect(page.Locator("#create-title")).ToHaveValueAsync("Half made");
        await Expect(page.Locator("#visibility-private")).ToBeCheckedAsync();
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("ko")]
    [InlineData("en")]
    public async Task A_360_pixel_phone_needs_no_horizontal_scrolling(string lang)
    {
        var page = await browser.NewPageAsync(width: 360, height: 740);
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", lang);
        await Expect(page.Locator("#guest-form")).ToBeVisibleAsync();
        await AssertNoHorizontalScrollAsync(page, "sign-in");

        await page.FillAsync("#guest-nickname", "Narrow");
        await page.ClickAsync("#guest-submit");
        await Expect(page.Locator("#create-form")).ToBeVisibleAsync();
        await AssertNoHorizontalScrollAsync(page, "lobby");
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// Korean broke between any two syllables ("정해집니/다") while only table cells kept words whole: Korean text keeps its
    /// words (keep-all), English is left alone, and a run too long for any line (a hash, a link) still wraps on a phone.
    /// </summary>
    [Theory]
    [InlineData("ko", "keep-all")]
    [InlineData("en", "normal")]
    public async Task Korean_lines_break_between_words_and_a_long_unbroken_run_still_wraps(string lang, string wordBreak)
    {
        var page = await browser.NewPageAsync(width: 360, height: 740);
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", lang);
        await Expect(page.Locator("#guest-form")).ToBeVisibleAsync();

        var style = await page.EvaluateAsync<string[]>(
            "() => { const s = getComputedStyle(document.querySelector('#main p')); return [s.wordBreak, s.overflowWrap]; }");
        Assert.Equal([wordBreak, "anywhere"], style);
        await page.EvaluateAsync(
            "() => { const p = document.createElement('p'); p.id = 'long-run'; p.textContent = '0123456789abcdef'.repeat(8) + '가나다라마바사아자차카타파하'.repeat(4); document.getElementById('main').append(p); }");
        var run = await page.EvaluateAsync<int[]>("() => { const p = document.getElementById('long-run'); return [p.scrollWidth, p.clientWidth]; }");
        Assert.True(run[0] <= run[1], $"A long unbroken run is {run[0]} px wide in a {run[1]} px paragraph ({lang}).");
        await AssertNoHorizontalScrollAsync(page, "sign-in with a long run");
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// The consent questions sat in the guest card, and Create account quietly sent their answers: they stand above both
    /// ways in, say whom they apply to, and a new account holds what was ticked there.
    /// </summary>
    [Fact]
    public async Task The_consent_questions_stand_above_both_ways_in_and_a_new_account_holds_the_answers()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", "en");
        var section = page.Locator("#consent-section");
        await Expect(section.Locator("#data-consent")).ToBeEnabledAsync();
        await Expect(page.Locator("#guest-form input[type=checkbox], #account-form input[type=checkbox]")).ToHaveCountAsync(0);
        await Expect(section.Locator("#consent-applies")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("start as a guest or create an account.*already have keeps"));
        var tops = await page.EvaluateAsync<double[]>(
            "() => ['consent-section', 'guest-form', 'account-form'].map((id) => document.getElementById(id).getBoundingClientRect().top)");
        Assert.True(tops[0] < tops[1] && tops[0] < tops[2], $"The consent questions are at {tops[0]} px, the guest form at {tops[1]}, the account form at {tops[2]}.");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "sign-in-consent");

        await page.CheckAsync("#voice-consent");
        await page.FillAsync("#account-username", Accounts.AuthClient.UniqueName("consent"));
        await page.FillAsync("#account-password", "a long enough password");
        await page.ClickAsync("#register-submit");
        await Expect(page.Locator("#create-form")).ToBeVisibleAsync();

        var me = await page.EvaluateAsync<JsonElement>(
            "async () => { const s = JSON.parse(sessionStorage.getItem('dilemma.session')); " +
            "return (await fetch('/auth/me', { headers: { Authorization: 'Bearer ' + s.access_token } })).json(); }");
        Assert.False(me.GetProperty("data_consent").GetBoolean());
        Assert.True(me.GetProperty("voice_consent").GetBoolean());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_page_loads_with_no_request_leaving_the_origin_and_no_CSP_violation()
    {
        var page = await browser.NewPageAsync();
        var requests = new List<string>();
        var console = new List<string>();
        page.Request += (_, request) => requests.Add(request.Url);
        page.Console += (_, message) => console.Add($"{message.Type}: {message.Text}");
        await page.AddInitScriptAsync("window.__violations = []; document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));");

        await page.GotoAsync("/");
        await page.FillAsync("#guest-nickname", "Origin");
        await page.CheckAsync("#data-consent");
        await page.ClickAsync("#guest-submit");
        await Expect(page.Locator("#create-form")).ToBeVisibleAsync();

        var origin = browser.Address.GetLeftPart(UriPartial.Authority);
        Assert.NotEmpty(requests);
        Assert.All(requests, url => Assert.StartsWith(origin, url, StringComparison.Ordinal));
        var violations = await page.EvaluateAsync<string[]>("window.__violations");
        Assert.Empty(violations);
        Assert.DoesNotContain(console, line => line.Contains("Content Security Policy", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("ko")]
    [InlineData("en")]
    public async Task A_guest_who_consents_on_the_page_was_shown_the_current_text_and_holds_that_version(string lang)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", lang);
        var consent = await page.EvaluateAsync<JsonElement>("async lang => (await fetch('/consent?lang=' + lang)).json()", lang);
        var current = new ConsentShown(consent.GetProperty("version").GetString()!, consent.GetProperty("texts").GetProperty(lang).GetString()!);
        Assert.Matches("^[0-9]{4}-[0-9]{2}$", current.Version);

        // The text is shown in the page's language under its version, and opens from the keyboard.
        var details = page.Locator("#consent-text");
        await Expect(details.Locator("summary")).ToContainTextAsync(current.Version);
        await details.Locator("summary").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(details).ToHaveAttributeAsync("open", string.Empty);
        var firstHeading = current.Text.Split('\n').First(line => line.StartsWith("# ", StringComparison.Ordinal))[2..];
        await Expect(details.Locator(".consent-text")).ToContainTextAsync(firstHeading);

        await page.FillAsync("#guest-nickname", $"Consent{lang}");
        await page.CheckAsync("#data-consent");
        await page.ClickAsync("#guest-submit");
        await Expect(page.Locator("#create-form")).ToBeVisibleAsync();

        // One request recorded it: the guest holds data consent under the version shown, and no voice consent.
        var me = await page.EvaluateAsync<JsonElement>(
            "async () => { const s = JSON.parse(sessionStorage.getItem('dilemma.session')); " +
            "return (await fetch('/auth/me', { headers: { Authorization: 'Bearer ' + s.access_token } })).json(); }");
        Assert.True(me.GetProperty("data_consent").GetBoolean());
        Assert.Equal(current.Version, me.GetProperty("data_consent_version").GetString());
        Assert.False(me.GetProperty("voice_consent").GetBoolean());
        Assert.True(!me.TryGetProperty("voice_consent_version", out var voice) || voice.ValueKind == JsonValueKind.Null, $"no voice consent version expected, got {voice}");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Every_error_code_shows_a_plain_message_in_the_alert_region()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", "en");
        await page.FillAsync("#guest-nickname", "Lost");
        await page.ClickAsync("#guest-submit");

        // The lobby's lists have arrived (the topic select is filled) before the form is used.
        await Expect(page.Locator("#create-topic input").First).ToBeAttachedAsync();

        // A code nobody opened: the server's room_not_found becomes a sentence, not a code.
        await page.FillAsync("#join-code", "000000");
        await page.ClickAsync("#code-submit");

        var error = page.Locator("#error");
        await Expect(error).ToBeVisibleAsync();
        await Expect(error).ToHaveAttributeAsync("role", "alert");
        await Expect(error).ToHaveAttributeAsync("data-code", "room_not_found");
        await Expect(error).ToHaveTextAsync("No room with that code. Check the six digits.");

        // A switch of language says it again in the new one: it stayed in the old.
        await page.SelectOptionAsync("#lang-select", "ko");
        await Expect(error).ToHaveTextAsync("그 코드의 방이 없습니다. 여섯 자리를 확인하세요.");
        await page.SelectOptionAsync("#lang-select", "en");
        await Expect(error).ToHaveTextAsync("No room with that code. Check the six digits.");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "error-room-not-found");
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// Said in the page's language, and at the field the server named (the problem's <c>field</c>): the password is
    /// marked invalid, described by the alert, and has the focus to be typed again. The alert alone was tied to no field.
    /// </summary>
    [Fact]
    public async Task A_password_too_short_for_a_new_account_is_said_at_its_field_in_the_pages_language_not_as_a_code()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", "ko");
        await page.FillAsync("#account-username", Accounts.AuthClient.UniqueName("short"));
        await page.FillAsync("#account-password", "abc");
        await page.ClickAsync("#register-submit");

        // It read "문제가 생겼습니다 (password_too_short). A password has at least 8 characters.": a code and English.
        var error = page.Locator("#error[data-code='password_too_short']");
        await Expect(error).ToHaveTextAsync("비밀번호는 8자 이상이어야 합니다.");
        await page.SelectOptionAsync("#lang-select", "en");
        await page.ClickAsync("#register-submit");
        await FieldErrors.AssertSaidAtAsync(page, "#account-password", "password_too_short", "A password needs at least 8 characters.", notAt: "#account-username");
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// A username an account has already: the server's 409 named no field, so the registration form could not say which of
    /// its fields to change, and the focus stayed on the button.
    /// </summary>
    [Fact]
    public async Task A_username_someone_has_is_said_at_its_field_when_registering()
    {
        var taken = await browser.Client.RegisterAsync(AuthClient.UniqueName("taken"), Roles.Password, TestContext.Current.CancellationToken);
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", "en");
        await page.FillAsync("#account-username", taken.Username.ToUpperInvariant());
        await page.FillAsync("#account-password", Roles.Password);
        await page.ClickAsync("#register-submit");

        await FieldErrors.AssertSaidAtAsync(page, "#account-username", "username_taken", "That username is taken. Try another.", notAt: "#account-password");
        await page.Context.CloseAsync();
    }

    /// <summary>A nickname that turns the direction of text (U+202E) is the server's to refuse; said at the nickname, in Korean.</summary>
    [Fact]
    public async Task A_guest_nickname_the_server_refuses_is_said_at_its_field_in_the_pages_language()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", "ko");
        await page.FillAsync("#guest-nickname", "Kim\u202E");
        await page.ClickAsync("#guest-submit");

        await FieldErrors.AssertSaidAtAsync(page, "#guest-nickname", "invalid_nickname",
            "그 닉네임은 쓸 수 없습니다. 32자 이내로, 보이는 글자가 있어야 하고 숨은 문자나 글자 방향을 바꾸는 문자는 쓸 수 없습니다.");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_room_title_the_server_refuses_is_said_at_its_field()
    {
        var page = await ClientFlows.SignInGuestAsync(() => browser.NewPageAsync(), "Titler");
        await page.FillAsync("#create-title", "Ethics\u202E 101");
        await page.ClickAsync("#create-submit");

        await FieldErrors.AssertSaidAtAsync(page, "#create-title", "invalid_title", "That room title cannot be used.");
        await Expect(page.Locator("#create-form")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    /// <summary>A code of the right form that no game gave (or one spent): said at the code, as a wrong room code is.</summary>
    [Fact]
    public async Task A_withdrawal_code_no_game_gave_is_said_at_its_field()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", "en");
        await page.ClickAsync("#withdraw-code-card summary");
        await page.FillAsync("#withdraw-code", "0000-0000-0000-0000-0000-0000");
        await page.ClickAsync("#withdraw-code-submit");

        await FieldErrors.AssertSaidAtAsync(page, "#withdraw-code", "withdrawal_code_not_found", "No game has this code, or it has been used already.");
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("ko")]
    [InlineData("en")]
    public async Task The_sign_in_and_lobby_screens_pass_an_accessibility_scan(string lang)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", lang);
        await Expect(page.Locator("#guest-form")).ToBeVisibleAsync();
        await ScreenCheck.AssertAccessibleAsync(page, "sign-in");

        await page.FillAsync("#guest-nickname", $"Axe{lang}");
        await page.ClickAsync("#guest-submit");
        await Expect(page.Locator("#create-form")).ToBeVisibleAsync();
        await ScreenCheck.AssertAccessibleAsync(page, "lobby");
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("ko")]
    [InlineData("en")]
    public async Task A_finished_games_charts_on_a_375_pixel_phone_have_labels_big_enough_to_read(string lang)
    {
        var (page, _) = await FinishedGameOnAPhoneAsync(lang);

        // Drawn 600 units wide and shrunk into the phone, the labels (option letters, rounds, the scales) were 6 pixels high.
        var heights = await page.EvaluateAsync<double[]>("() => [...document.querySelectorAll('#statistics svg.chart text')].map(label => label.getBoundingClientRect().height)");
        Assert.True(heights.Min() >= 12, $"The smallest chart label is {heights.Min():0.0} px high on a 375 px phone ({lang}).");
        await ClientFlows.AssertChartLabelsInsideAsync(page);
        await AssertNoHorizontalScrollAsync(page, "statistics");
        await ScreenCheck.AssertAccessibleAsync(page, "statistics-phone");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_movement_from_each_players_choice_to_the_groups_decision_is_in_the_table_too()
    {
        var (page, players) = await FinishedGameOnAPhoneAsync("en");
        await page.ClickAsync("#stats-summary");

        // The movement chart's lines were its only record: a screen reader heard what the chart is about, never who moved where.
        var rows = page.Locator("#movement-table tbody tr");
        await Expect(rows).ToHaveCountAsync(15);
        await Expect(page.Locator("#movement-table caption")).ToHaveTextAsync("From individual choices to the group's decision");
        // RoomKit.PlayRoundAsync: the second player chooses B with sureness 4, the group decides on A.
        var second = page.Locator($"#movement-table tr[data-round='3'][data-user-id='{players[1].UserId}']");
        await Expect(second.Locator("[data-column=choice]")).ToHaveTextAsync("B");
        await Expect(second.Locator("[data-column=sureness]")).ToHaveTextAsync("4");
        await Expect(second.Locator("[data-column=decision]")).ToHaveTextAsync("A");
        await Expect(second.Locator("[data-column=changed]")).ToHaveTextAsync("yes");
        var first = page.Locator($"#movement-table tr[data-round='3'][data-user-id='{players[0].UserId}']");
        await Expect(first.Locator("[data-column=changed]")).ToHaveTextAsync("no");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "statistics-table-phone");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_movement_chart_letters_only_the_options_each_round_has()
    {
        var (page, _) = await FinishedGameOnAPhoneAsync("en");

        // The scenario's rounds have two to four options; each round was drawn against rows A to D.
        var rounds = Dilemma.Grains.Scenarios.ScenarioBank.LoadEmbedded().FindByTopic(RoomKit.Topic)!.Rounds;
        Assert.Contains(rounds, round => round.Options.Count < 4);
        for (var round = 1; round <= rounds.Count; round++)
        {
            var letters = rounds[round - 1].Options.Select((_, option) => ((char)('A' + option)).ToString()).ToArray();
            await Expect(page.Locator($"svg#chart-movement text.option[data-round='{round}']")).ToHaveTextAsync(letters);
        }

        await page.Context.CloseAsync();
    }

    /// <summary>
    /// Three players finish a game through the API; the second one's tab, 375 px wide, comes back to the room as after a
    /// reload (their tokens and room in the tab's storage) and shows its statistics.
    /// </summary>
    private async Task<(IPage Page, Player[] Players)> FinishedGameOnAPhoneAsync(string lang)
    {
        var ct = TestContext.Current.CancellationToken;
        var (players, code) = await RoomKit.StartedRoomAsync(browser.Client, ct);
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players, code, round, ct);
        }

        var tokens = players[1].Tokens;
        var session = JsonSerializer.Serialize(new { access_token = tokens.AccessToken, refresh_token = tokens.RefreshToken, user_id = tokens.UserId, username = tokens.Username, is_guest = true });
        var page = await browser.NewPageAsync(width: 375, height: 740);
        await page.Context.AddInitScriptAsync(
            $"if (!sessionStorage.getItem('dilemma.session')) {{ sessionStorage.setItem('dilemma.session', {JsonSerializer.Serialize(session)}); sessionStorage.setItem('dilemma.room', '{code}'); }}");
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", lang);
        await Expect(page.Locator("#statistics svg.chart")).ToHaveCountAsync(3);
        return (page, players);
    }

    private static async Task AssertNoHorizontalScrollAsync(IPage page, string screen)
    {
        var widths = await page.EvaluateAsync<int[]>("[document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        Assert.True(widths[0] <= widths[1], $"The {screen} screen is {widths[0]} px wide in a {widths[1]} px viewport.");
    }

    private sealed record ConsentShown(string Version, string Text);
}
