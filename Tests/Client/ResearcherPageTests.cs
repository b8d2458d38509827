using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Dilemma.Tests.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>The researcher page: counts, filters, a streamed export with its bytes counted, and the ledger with the new entry's hashes.</summary>
public class ResearcherPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_researcher_exports_and_the_ledger_shows_the_new_entry_with_its_hash()
    {
        var researcher = await Roles.NewAccountWithAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), AccountRoles.Researcher, Ct, "res");
        var page = await SignInAsync(researcher.Username);
        await page.ClickAsync("#open-research");
        await Expect(page.Locator("#research-counts [data-count=users] dd")).Not.ToBeEmptyAsync();
        await Expect(page.Locator("#research-counts [data-count=exports] dd")).ToBeVisibleAsync();
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "research");

        // CSV of the decisions sheet (picked from the sheets the API names), finished games only: the filter goes with the
        // request and comes back in the ledger.
        await Expect(page.Locator("#export-sheet")).ToHaveCountAsync(0);
        await page.CheckAsync("#export-format-csv");
        // The sheets in words, each with the name it has in the workbook (it was the name alone, in both languages).
        var sheetOptions = page.Locator("#export-sheet option");
        await Expect(sheetOptions).ToHaveCountAsync(ExportSheets.All.Count);
        Assert.Equal(ExportSheets.All.Select(s => s.Name), await sheetOptions.EvaluateAllAsync<string[]>("options => options.map((o) => o.value)"));
        await Expect(sheetOptions).ToHaveTextAsync([.. ExportSheets.All.Select(s => new System.Text.RegularExpressions.Regex($@"^[A-Z].* \({s.Name}\)$"))]);
        await page.SelectOptionAsync("#lang-select", "ko");
        await Expect(sheetOptions).ToHaveTextAsync([.. ExportSheets.All.Select(s => new System.Text.RegularExpressions.Regex($@"^[^a-z]*[\uAC00-\uD7A3][^a-z]* \({s.Name}\)$"))]);
        await page.SelectOptionAsync("#lang-select", "en");
        await page.SelectOptionAsync("#export-sheet", "decisions");
        await page.SelectOptionAsync("#export-phase", "finished");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-submit"));

        var status = page.Locator("#export-status");
        await Expect(status).ToHaveAttributeAsync("data-export-id", new System.Text.RegularExpressions.Regex("^[0-9a-f-]{36}$"));
        var exportId = await status.GetAttributeAsync("data-export-id");
        var saved = await File.ReadAllBytesAsync(await download.PathAsync(), Ct);
        Assert.StartsWith("dilemma-research-", download.SuggestedFilename, StringComparison.Ordinal);
        Assert.EndsWith("-decisions.csv", download.SuggestedFilename, StringComparison.Ordinal);
        await Expect(status).ToContainTextAsync($"{saved.Length:N0} bytes");

        var row = page.Locator($"#ledger-table tbody[data-export-id='{exportId}']");
        await Expect(row).ToBeVisibleAsync();
        // Its caption agrees with its count ("The 1 latest of 1 exports").
        await Expect(page.Locator("#ledger-table caption")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(
            @"^(The one export|All [0-9,]+ exports, newest first|The 20 latest of [0-9,]+ exports, newest first), with the SHA-256 of each sheet$"));
        // The whole ledger fits the page's width: the hashes have their own row, not two columns pushed off to the right.
        var widths = await page.EvaluateAsync<int[]>("(() => { const wrap = document.getElementById('ledger-table').parentElement; return [wrap.scrollWidth, wrap.clientWidth]; })()");
        Assert.True(widths[0] <= widths[1], $"the ledger is {widths[0]} px wide in a {widths[1]} px wrapper");
        var entry = await LedgerEntryAsync(researcher, exportId!);
        await Expect(row.Locator("[data-hash=participants]")).ToHaveTextAsync(entry.GetProperty("participants_sha256").GetString()!);
        await Expect(row.Locator("[data-hash=rooms]")).ToHaveTextAsync(entry.GetProperty("rooms_sha256").GetString()!);
        await Expect(row).ToContainTextAsync("csv: Individual decisions, every revision (decisions)");
        await Expect(row).ToContainTextAsync("Finished");
        // This gateway exports raw ids (Research:Pseudonymise off), and the row says so as the ledger does.
        Assert.Equal((false, true), (entry.GetProperty("pseudonymised").GetBoolean(), entry.GetProperty("names_included").GetBoolean()));
        await Expect(row.Locator("[data-identities=named]")).ToHaveTextAsync("User ids and names");
        // The form says so too: its unticked "Include usernames and nicknames" read as if names were left out, and the
        // ledger then said "User ids and names". It counts only where the server pseudonymises, and the latest export says
        // what this server did.
        await Expect(page.Locator("#export-names")).Not.ToBeCheckedAsync();
        await Expect(page.Locator("#export-names-last[data-identities=named]")).ToContainTextAsync("was not pseudonymised: it holds user ids and names");
        await Expect(page.Locator("#export-names")).ToHaveAccessibleDescriptionAsync(
            new System.Text.RegularExpressions.Regex("only on a server that pseudonymises.*was not pseudonymised"));
        Assert.Equal("finished", entry.GetProperty("filter_phase").GetString());
        // Of the seats left out, those whose user withdrew data consent: the ledger's count, under its own heading.
        await Expect(page.Locator("#ledger-table thead")).ToContainTextAsync("Left out: withdrew consent");
        await Expect(row.Locator("[data-column=withdrawn]")).ToHaveTextAsync(entry.GetProperty("withdrawn_participants").GetInt64().ToString("N0", CultureInfo.InvariantCulture));
        Assert.Equal(["participants", "rooms", "decisions"], entry.GetProperty("sheets").EnumerateArray().Select(s => s.GetProperty("sheet").GetString()));
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "research-exported");

        // A reload comes back to the research page (before, to the lobby), the new entry in its ledger.
        await page.ReloadAsync();
        await Expect(row).ToBeVisibleAsync();
        await Expect(page.Locator("#research-counts [data-count=users] dd")).Not.ToBeEmptyAsync();
        var guests = page.Locator("#research-counts [data-count=guests] dd");

        // Read again on demand (before, only by leaving the page and opening it again): a guest who came meanwhile counts.
        var before = long.Parse(await guests.InnerTextAsync(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        await browser.Client.GuestAsync(Ct);
        await page.ClickAsync("#research-refresh");
        await Expect(guests).Not.ToHaveTextAsync(before.ToString("N0", CultureInfo.InvariantCulture));
        var pressed = long.Parse(await guests.InnerTextAsync(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        Assert.True(pressed > before);

        // And by itself once its tab is seen again (it also reads every minute in sight, longer than a test should wait):
        // the tab is hidden and shown as the browser does when a researcher comes back to it.
        await browser.Client.GuestAsync(Ct);
        await page.EvaluateAsync("""
            () => {
              for (const visibility of ['hidden', 'visible']) {
                Object.defineProperty(document, 'visibilityState', { value: visibility, configurable: true });
                document.dispatchEvent(new Event('visibilitychange'));
              }
            }
            """);
        await Expect(guests).Not.ToHaveTextAsync(pressed.ToString("N0", CultureInfo.InvariantCulture));
        Assert.True(long.Parse(await guests.InnerTextAsync(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture) > pressed);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_researcher_sees_the_studys_figures_as_charts_with_the_numbers_in_tables()
    {
        // One finished game by three consenting players: seats choose 0, 1, 0 and agree on 0 every round (RoomKit.PlayRoundAsync).
        var (players, code) = await RoomKit.StartedRoomAsync(browser.Client, Ct);
        foreach (var player in players)
        {
            using var consent = await browser.Client.SendAsync(
                AuthClient.Authorized(HttpMethod.Patch, "/auth/me/consent", player.Tokens.AccessToken, JsonContent.Create(new { data_consent = true })), Ct);
            consent.EnsureSuccessStatusCode();
        }

        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players, code, round, Ct);
        }

        var researcher = await Roles.NewAccountWithAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), AccountRoles.Researcher, Ct, "res");
        var page = await SignInAsync(researcher.Username);
        await page.ClickAsync("#open-research");

        await Expect(page.Locator("svg#chart-topics-majority[role=img] rect.bar")).ToHaveCountAsync(1);
        await Expect(page.Locator("svg#chart-roles-agreement[role=img] rect.bar")).ToHaveCountAsync(3);
        await page.ClickAsync("#figures-details summary");
        var topic = page.Locator($"#figures-topics-table tr[data-key='{RoomKit.Topic}']");
        await Expect(topic.Locator("[data-column=rounds]")).ToHaveTextAsync("5");
        await Expect(topic.Locator("[data-column=withBots]")).ToHaveTextAsync("0");
        await Expect(topic.Locator("[data-column=withMajority]")).ToHaveTextAsync("5");
        await Expect(topic.Locator("[data-column=followedRate]")).ToHaveTextAsync("100%");
        await Expect(topic.Locator("[data-column=consensusConfidence]")).ToHaveTextAsync("4.00");

        // Role 2 chose B while the group decided on A, every round; roles 1 and 3 chose A.
        string[] agreement = ["100%", "0%", "100%"];
        string[] confidence = ["3.00", "4.00", "5.00"];
        for (var role = 1; role <= 3; role++)
        {
            var row = page.Locator($"#figures-roles-table tr[data-key='{role}']");
            await Expect(row.Locator("[data-column=choices]")).ToHaveTextAsync("5");
            await Expect(row.Locator("[data-column=agreementIndex]")).ToHaveTextAsync(agreement[role - 1]);
            await Expect(row.Locator("[data-column=meanConfidence]")).ToHaveTextAsync(confidence[role - 1]);
        }

        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "research-figures");

        // The topic's name follows a switch of language: fetched in the language of the sign-in, it stayed in it here.
        var titles = await page.EvaluateAsync<JsonElement>(
            "async topic => (await (await fetch('/topics?lang=all')).json()).topics.find((t) => t.topic === topic).title", RoomKit.Topic);
        foreach (var lang in new[] { "ko", "en" })
        {
            await page.SelectOptionAsync("#lang-select", lang);
            await Expect(topic.Locator("th")).ToHaveTextAsync(titles.GetProperty(lang).GetString()!);
            await Expect(page.Locator($"#export-topic label:has(input[value='{RoomKit.Topic}'])")).ToHaveTextAsync(titles.GetProperty(lang).GetString()!);
        }

        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_export_filter_the_server_refuses_is_said_at_its_field()
    {
        var researcher = await Roles.NewAccountWithAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), AccountRoles.Researcher, Ct, "flt");
        var page = await SignInAsync(researcher.Username);
        await page.ClickAsync("#open-research");
        await page.FillAsync("#export-from", "2026-12-01");
        await page.FillAsync("#export-to", "2026-11-01");
        await page.ClickAsync("#export-submit");

        // "to" before "from": 422 invalid_filter naming to.
        await FieldErrors.AssertSaidAtAsync(page, "#export-to", "invalid_filter",
            "That filter cannot be used: dates run from an earlier day to a later one, and a session code has 10 letters and digits.", notAt: "#export-from");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_player_without_the_role_is_not_offered_the_page()
    {
        var player = await browser.Client.RegisterAsync(AuthClient.UniqueName("pl"), Roles.Password, Ct);
        var page = await SignInAsync(player.Username);
        await Expect(page.Locator("#create-form")).ToBeVisibleAsync();
        await Expect(page.Locator("#open-research")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_withdrawal_after_an_export_is_listed_with_how_many_listed_exports_still_hold_its_rows()
    {
        var page = await OnTheResearchPageAsync("era");
        await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-submit"));
        await Expect(page.Locator("#export-status")).ToHaveAttributeAsync("data-export-id", new System.Text.RegularExpressions.Regex("^[0-9a-f-]{36}$"));

        // A participant of a waiting room leaves it and withdraws, after that export.
        var (players, code) = await RoomKit.SeatedRoomAsync(browser.Client, Ct);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await players[2].PostAsync($"/rooms/{code}/leave", null, Ct)).StatusCode);
        var erasure = await HttpAssert.OkAsync<JsonElement>(
            await browser.Client.SendAsync(AuthClient.Authorized(HttpMethod.Delete, "/auth/me/research-data", players[2].Tokens.AccessToken), Ct));
        var rows = erasure.GetProperty("rows_erased").GetInt64();
        Assert.True(rows > 0, "The withdrawal erased nothing.");

        await page.ClickAsync("#research-back");
        await page.ClickAsync("#open-research");
        var row = page.Locator("#erasures-table tbody tr").First;
        await Expect(row).ToHaveAttributeAsync("data-kind", "account");
        await Expect(row).ToContainTextAsync("withdrawn by the participant, signed in");
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync(rows.ToString("N0", System.Globalization.CultureInfo.GetCultureInfo("en")));
        // The export above was taken before it, so it holds those rows still.
        await Expect(row.Locator("[data-column=exports-before]")).Not.ToHaveTextAsync("0");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "research-erasures");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_press_on_a_page_button_while_the_lobby_still_loads_waits_for_it_and_is_not_lost()
    {
        var page = await OnTheResearchPageAsync("lob");

        // Back draws the lobby at once and reads its rooms after: the lobby's buttons were pressable meanwhile, and a press
        // was dropped without a word (the action already running wins). They now wait, disabled, for the read to end.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<string, bool> rooms = url => new Uri(url).AbsolutePath == "/rooms";
        await page.RouteAsync(rooms, async route =>
        {
            await held.Task;
            await route.ContinueAsync();
        });
        await page.ClickAsync("#research-back");
        await Expect(page.Locator("#open-research")).ToBeDisabledAsync();
        await Expect(page.Locator("#open-my-data")).ToBeDisabledAsync();
        held.SetResult();
        await page.ClickAsync("#open-research");
        await Expect(page.Locator("#erasures")).ToBeVisibleAsync();
        await page.UnrouteAsync(rooms);
        await page.Context.CloseAsync();
    }

    /// <summary>A new researcher, signed in, on the research page with its ledgers drawn.</summary>
    private async Task<IPage> OnTheResearchPageAsync(string prefix)
    {
        var researcher = await Roles.NewAccountWithAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), AccountRoles.Researcher, Ct, prefix);
        var page = await SignInAsync(researcher.Username);
        await page.ClickAsync("#open-research");
        await Expect(page.Locator("#erasures")).ToBeVisibleAsync();
        return page;
    }

    private Task<IPage> SignInAsync(string username) => SignInAsync(browser, username);

    private Task<JsonElement> LedgerEntryAsync(TokenPair researcher, string exportId) => LedgerEntryAsync(browser, researcher, exportId);

    internal static Task<IPage> SignInAsync(BrowserFixture browser, string username) => ClientFlows.SignInAccountAsync(() => browser.NewPageAsync(), username);

    internal static async Task<JsonElement> LedgerEntryAsync(BrowserFixture browser, TokenPair researcher, string exportId)
    {
        using var response = await browser.Client.SendAsync(AuthClient.Authorized(HttpMethod.Get, $"/research/experiments/exports/{exportId}", researcher.AccessToken), Ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }
}

/// <summary>
/// The research page for one study: its figures alone, and exports of one study or one session. A gateway of its own, since
/// the study's finished round would count in the figures across every room that <see cref="ResearcherPageTests"/> checks exactly.
/// </summary>
public class ResearcherStudyPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_researcher_sees_one_studys_figures_exports_one_study_or_one_session_with_names_and_the_ledger_names_the_filter()
    {
        var grains = browser.Services.GetRequiredService<IGrainFactory>();
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, grains, Ct);
        var study = "page-" + Guid.NewGuid().ToString("N")[..10];
        var session = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, studyLabel: study));
        var students = await SessionKit.EnrolledAsync(browser.Client, session, 3, Ct);
        var room = Assert.Single(SessionKit.Rooms(await SessionKit.StartAsync(facilitator, session, Ct))).GetProperty("room_code").GetString()!;
        foreach (var student in students)
        {
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(student, room, 1, 0, 4, Ct), System.Net.HttpStatusCode.Created);
        }

        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(students[0], room, 1, 0, 5, Ct), System.Net.HttpStatusCode.Created);

        var researcher = await Roles.NewAccountWithAsync(browser.Client, grains, AccountRoles.Researcher, Ct, "stu");
        var page = await SignInAsync(researcher.Username);
        await page.ClickAsync("#open-research");

        // The figures of the study alone: its one room and its one round, picked from the studies the server lists.
        // The picker keeps the focus through the redraw, so a keyboard can go on to the next study. The figures are held on
        // their way, and the pick stays checked meanwhile: the page drew itself busy before the pick was kept, and that
        // redraw put the radio back on every room (a click Playwright reported as "did not change its state").
        var studyChoice = page.Locator($"#figures-study input[value='{study}']");
        var everyRoom = page.Locator("#figures-study input[value='']");
        var title = page.Locator("#figures-title");
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<string, bool> statistics = url => url.Contains("/research/statistics", StringComparison.Ordinal);
        await page.RouteAsync(statistics, async route =>
        {
            await held.Task;
            await route.ContinueAsync();
        });
        await studyChoice.CheckAsync();
        await Expect(studyChoice).ToBeCheckedAsync();
        held.SetResult();
        await Expect(title).ToHaveTextAsync($"Figures of the study {study}");
        await Expect(studyChoice).ToBeFocusedAsync();

        // A pick while Refresh reads the page (the pick's own read is not run then) shows the figures picked once the read ends.
        held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.ClickAsync("#research-refresh");
        await Expect(page.Locator("#research-refresh")).ToBeDisabledAsync();
        await everyRoom.CheckAsync();
        held.SetResult();
        await Expect(page.Locator("#research-refresh")).ToBeEnabledAsync();
        await Expect(title).ToHaveTextAsync("Figures across the study");
        await Expect(everyRoom).ToBeCheckedAsync();
        await page.UnrouteAsync(statistics);

        await studyChoice.CheckAsync();
        await Expect(title).ToHaveTextAsync($"Figures of the study {study}");
        await page.ClickAsync("#figures-details summary");
        var topicRow = page.Locator("#figures-topics-table tbody tr");
        await Expect(topicRow).ToHaveCountAsync(1);
        await Expect(topicRow.Locator("[data-column=rooms]")).ToHaveTextAsync("1");
        await Expect(topicRow.Locator("[data-column=rounds]")).ToHaveTextAsync("1");
        await Expect(topicRow.Locator("[data-column=unanimous]")).ToHaveTextAsync("1");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "research-study-figures");

        // The export's study field offers the labels there are.
        await Expect(page.Locator($"#known-studies option[value='{study}']")).ToHaveCountAsync(1);
        await page.FillAsync("#export-study", study);
        await page.CheckAsync("#export-names");
        await page.CheckAsync("#export-format-csv");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "research-study");

        // The study's three seats, and nothing of the other tests' rooms; the filter and the names go with the request.
        async Task<(IDownload Download, Uri Request)> ExportAsync()
        {
            var request = page.WaitForRequestAsync(r => r.Url.Contains("/research/experiments/export/excel", StringComparison.Ordinal));
            var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export-submit"));
            return (download, new Uri((await request).Url));
        }

        var (download, sent) = await ExportAsync();
        var query = System.Web.HttpUtility.ParseQueryString(sent.Query);
        Assert.Equal((study, "true", null), (query["study"], query["include_nicknames"], query["session"]));
        var lines = (await File.ReadAllTextAsync(await download.PathAsync(), Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);

        var status = page.Locator("#export-status");
        await Expect(status).ToHaveAttributeAsync("data-export-id", new System.Text.RegularExpressions.Regex("^[0-9a-f-]{36}$"));
        var entry = await LedgerEntryAsync(researcher, (await status.GetAttributeAsync("data-export-id"))!);
        Assert.Equal(study, entry.GetProperty("filter_study").GetString());
        await Expect(page.Locator($"#ledger-table tbody[data-export-id='{entry.GetProperty("export_id").GetString()}']")).ToContainTextAsync($"study {study}");

        // One session, typed in lower case as a student might read it out; the study emptied, the names left out.
        await page.FillAsync("#export-study", string.Empty);
        await page.FillAsync("#export-session", session.ToLowerInvariant());
        await page.UncheckAsync("#export-names");
        (download, sent) = await ExportAsync();
        query = System.Web.HttpUtility.ParseQueryString(sent.Query);
        Assert.Equal((null, null, session.ToLowerInvariant()), (query["study"], query["include_nicknames"], query["session"]));
        Assert.Equal(4, (await File.ReadAllTextAsync(await download.PathAsync(), Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        await Expect(status).Not.ToHaveAttributeAsync("data-export-id", entry.GetProperty("export_id").GetString()!);
        await Expect(status).ToHaveAttributeAsync("data-export-id", new System.Text.RegularExpressions.Regex("^[0-9a-f-]{36}$"));
        entry = await LedgerEntryAsync(researcher, (await status.GetAttributeAsync("data-export-id"))!);
        Assert.Equal(session, entry.GetProperty("filter_session").GetString());
        await Expect(page.Locator($"#ledger-table tbody[data-export-id='{entry.GetProperty("export_id").GetString()}']")).ToContainTextAsync($"session {session}");
        await page.Context.CloseAsync();
    }

    private Task<IPage> SignInAsync(string username) => ResearcherPageTests.SignInAsync(browser, username);

    private Task<JsonElement> LedgerEntryAsync(TokenPair researcher, string exportId) => ResearcherPageTests.LedgerEntryAsync(browser, researcher, exportId);
}
