using System.Text;
using System.Text.Json;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Realtime;
using Dilemma.Tests.Rooms;
using Dilemma.Tests.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>The facilitator console: open a session, show its code and QR, watch the pool, start, and follow the rooms live.</summary>
public class ConsoleTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_facilitator_opens_a_session_sees_the_pool_fill_starts_it_and_watches_the_room_live()
    {
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), Ct);
        var page = await SignInAsync(facilitator.Tokens.Username);
        // The app never navigates again: a listener added now sees every CSP refusal of the console (QR image, monitor socket).
        await page.EvaluateAsync("() => { window.__violations = []; document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI)); }");
        await page.ClickAsync("#open-console");
        await Expect(page.Locator("#session-topic input").First).ToBeAttachedAsync();
        await page.FillAsync("#session-title", "Ethics 101");
        await page.CheckAsync($"#session-topic input[value='{RoomKit.Topic}']");
        await page.ClickAsync("#session-submit");

        var codeElement = page.Locator("#session-code");
        await Expect(codeElement).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}$"));
        var code = await codeElement.TextContentAsync();
        await Expect(page.Locator("#join-link")).ToContainTextAsync($"session={code}");
        // The QR code was fetched with the bearer token and drawn: an image that failed to load has no natural width.
        await Expect(page.Locator("#session-qr")).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("^data:image/svg\\+xml;base64,"));
        await page.WaitForFunctionAsync("() => { const img = document.getElementById('session-qr'); return img && img.complete && img.naturalWidth > 0; }");
        await Expect(page.Locator("#pool-count")).ToHaveAttributeAsync("data-count", "0");

        var students = await SessionKit.EnrolledAsync(browser.Client, code!, 3, Ct);
        await page.ClickAsync("#pool-refresh");
        await Expect(page.Locator("#pool-count")).ToHaveAttributeAsync("data-count", "3");
        // The pool by name, in the order they came (it was a number only).
        var pooled = (await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}", Ct))).GetProperty("pool_members").EnumerateArray().ToList();
        Assert.Equal(students.Select(s => s.UserId), pooled.Select(m => m.GetProperty("user_id").GetInt64()));
        await Expect(page.Locator("#pool-members li")).ToHaveTextAsync([.. pooled.Select(m => m.GetProperty("nickname").GetString()!)]);
        await Expect(page.Locator($"#pool-members li[data-user-id='{students[0].UserId}']")).ToHaveCountAsync(1);
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "console-pool");

        // The click's request is the page's own: its room row is the sign the start has been answered.
        await page.ClickAsync("#session-start");
        await Expect(page.Locator("#rooms-table tbody tr")).ToHaveCountAsync(1);
        var session = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}", Ct));
        var room = Assert.Single(SessionKit.Rooms(session));
        var roomCode = room.GetProperty("room_code").GetString()!;
        var row = page.Locator($"#rooms-table tr[data-room-code='{roomCode}']");
        // The row's phase, round and seats come from the monitor socket, not from the session's answer.
        await Expect(row).ToHaveAttributeAsync("data-phase", "started");
        await Expect(row.Locator("[data-column=round]")).ToHaveTextAsync("1");
        await Expect(row.Locator("[data-column=chosen]")).ToHaveTextAsync("0 / 3");
        await Expect(row.Locator("[data-column=presence] [data-user-id]")).ToHaveCountAsync(3);
        await Expect(page.Locator("#rooms-table tbody tr")).ToHaveCountAsync(1);
        // No timer runs (the session has none): "+1 min" is greyed out and says why.
        await Expect(page.Locator($"#room-extend-{roomCode}")).ToBeDisabledAsync();
        await Expect(page.Locator($"#room-extend-{roomCode}")).ToHaveAttributeAsync("aria-describedby", $"room-extend-why-{roomCode}");
        await Expect(page.Locator($"#room-extend-why-{roomCode}")).ToHaveTextAsync("+1 min: no timer runs in this room.");
        // Everyone enrolled is in a room: the pool no longer reads "Students waiting: 0 enrolled", as if the class had gone.
        await Expect(page.Locator("#pool-title")).ToHaveTextAsync("Late arrivals");
        await Expect(page.Locator("#pool-count")).ToHaveTextAsync("Every student who enrolled is in a room; those who come late are seated as they enrol.");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "console-rooms");

        // Pausing goes through the session API; the monitor's next push shows it and offers Resume instead.
        await page.ClickAsync($"#room-pause-{roomCode}");
        await Expect(page.Locator($"#room-resume-{roomCode}")).ToBeVisibleAsync();
        await page.ClickAsync($"#room-resume-{roomCode}");
        await Expect(page.Locator($"#room-pause-{roomCode}")).ToBeVisibleAsync();

        await page.FillAsync("#broadcast-message", "Five minutes left");
        await page.ClickAsync("#broadcast-submit");
        await Expect(page.Locator("#broadcast-status")).ToHaveTextAsync("Sent to every room.");
        var actions = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}/actions", Ct));
        Assert.Contains(actions.EnumerateArray(), a => a.GetProperty("action").GetString() == "broadcast" && a.GetProperty("message").GetString() == "Five minutes left");

        // Results across the rooms: none closed yet, then each round the room closes is drawn once the monitor shows it moved on.
        await Expect(page.Locator("#session-results-none")).ToBeVisibleAsync();
        var seated = SessionKit.UserIds(room).Select(id => students.Single(s => s.UserId == id)).ToArray();
        await RoomKit.PlayRoundAsync(seated, roomCode, 1, Ct);
        await RoomKit.PlayRoundAsync(seated, roomCode, 2, Ct);
        await Expect(page.Locator("#session-results")).ToHaveAttributeAsync("data-rounds", "2");
        foreach (var chart in new[] { "chart-session-shares", "chart-session-flow", "chart-session-confidence" })
        {
            await Expect(page.Locator($"svg#{chart}[role=img] title")).Not.ToBeEmptyAsync();
        }

        // Seats choose 0, 1, 0 with sureness 3, 4, 5 and agree on option 0 with sureness 4 (RoomKit.PlayRoundAsync):
        // option A's two choices and B's one go into A, so two lines of flow a round.
        await Expect(page.Locator("#chart-session-flow path.move")).ToHaveCountAsync(4);
        // Each round's options and no more: the scenario's first round has three, its second two (they were lettered A to D).
        var scenarioRounds = Dilemma.Grains.Scenarios.ScenarioBank.LoadEmbedded().FindByTopic(RoomKit.Topic)!.Rounds;
        await Expect(page.Locator("#chart-session-flow text.option[data-round='1']")).ToHaveCountAsync(scenarioRounds[0].Options.Count);
        await Expect(page.Locator("#chart-session-flow text.option[data-round='2']")).ToHaveTextAsync(["A", "B"]);
        await page.ClickAsync("#session-results-details summary");
        var optionA = page.Locator("#session-options-table tr[data-round='1'][data-option='0']");
        await Expect(optionA.Locator("[data-column=chose]")).ToHaveTextAsync("2");
        await Expect(optionA.Locator("[data-column=decided]")).ToHaveTextAsync("1");
        await Expect(optionA).ToContainTextAsync("A. ");
        await Expect(page.Locator("#session-options-table tr[data-round='2'][data-option='1'] [data-column=chose]")).ToHaveTextAsync("1");
        // The flow chart's lines in numbers (they were only line widths): A's two choices and B's one went into A, each round.
        await Expect(page.Locator("#session-flow-table tbody tr")).ToHaveCountAsync(4);
        await Expect(page.Locator("#session-flow-table tr[data-round='1'][data-from='0'][data-to='0'] [data-column=count]")).ToHaveTextAsync("2");
        await Expect(page.Locator("#session-flow-table tr[data-round='2'][data-from='1'][data-to='0'] [data-column=count]")).ToHaveTextAsync("1");
        var second = page.Locator("#session-rounds-table tr[data-round='2']");
        await Expect(second.Locator("[data-column=closed]")).ToHaveTextAsync("1");
        await Expect(second.Locator("[data-column=rate]")).ToHaveTextAsync("100%");
        await Expect(second.Locator("[data-column=meanConfidence]")).ToHaveTextAsync("4.00");
        await Expect(second.Locator("[data-column=consensusConfidence]")).ToHaveTextAsync("4.00");
        await Expect(page.Locator("#session-results-summary")).ToHaveTextAsync("0 of 1 room finished; 2 rounds closed.");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "console-results");
        Assert.Empty(await page.EvaluateAsync<string[]>("() => window.__violations"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_facilitator_extends_removes_moves_seats_a_bot_pauses_every_room_and_closes_and_the_log_shows_each_after_a_reload()
    {
        var grains = browser.Services.GetRequiredService<IGrainFactory>();
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, botsAllowed: true, choiceSeconds: 600));
        await SessionKit.EnrolledAsync(browser.Client, code, 6, Ct);
        var rooms = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct));
        var (a, b) = (rooms[0].GetProperty("room_code").GetString()!, rooms[1].GetProperty("room_code").GetString()!);
        var (inA, inB) = (SessionKit.UserIds(rooms[0]), SessionKit.UserIds(rooms[1]));

        // A session opened elsewhere (here: by the API) is opened by its code.
        var page = await SignInAsync(facilitator.Tokens.Username);
        await page.ClickAsync("#open-console");
        await page.FillAsync("#reopen-code", code.ToLowerInvariant());
        await page.ClickAsync("#reopen-submit");
        await Expect(page.Locator("#rooms-table tbody tr")).ToHaveCountAsync(2);
        var rowA = page.Locator($"#rooms-table tr[data-room-code='{a}']");

        // Ten minutes to choose, counted down on the page between the monitor's pushes (the room does not change meanwhile).
        var timeLeft = rowA.Locator("[data-column=seconds-left]");
        await Expect(timeLeft).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(10:00|9:[0-5][0-9])$"));
        var shown = await timeLeft.InnerTextAsync();
        await Expect(timeLeft).Not.ToHaveTextAsync(shown, new() { Timeout = 5_000 });

        // One more minute: room A's deadline moves on by 60 s.
        var before = await DeadlineAsync(facilitator, a);
        // Sent with a key of its own, so a press again after a lost answer is the same extension to the server.
        var extend = await page.RunAndWaitForRequestAsync(() => page.ClickAsync($"#room-extend-{a}"), r => r.Url.EndsWith($"/rooms/{a}/extend", StringComparison.Ordinal));
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", extend.Headers["idempotency-key"]);
        await Expect(page.Locator("#action-log-table tr[data-action=extend_deadline]")).ToHaveCountAsync(1);
        Assert.Equal(TimeSpan.FromSeconds(60), await DeadlineAsync(facilitator, a) - before);

        // The third of room A leaves the game; the first of room B moves into that seat.
        await page.ClickAsync($"#seat-remove-{a}-{inA[2]}");
        await page.ClickAsync("#console-confirm-yes");
        await Expect(rowA.Locator($"[data-user-id='{inA[2]}']")).ToContainTextAsync("removed");
        await page.CheckAsync($"#move-who input[value='{b}:{inB[0]}']");
        await page.SelectOptionAsync("#move-to", a);
        await page.ClickAsync("#move-submit");
        // Enrolled by the API, the mover never opened the game: "not connected" (so Remove applies), not "present".
        await Expect(rowA.Locator($"[data-user-id='{inB[0]}']")).ToHaveAttributeAsync("data-state", "offline");
        await Expect(rowA.Locator($"[data-user-id='{inB[0]}']")).ToContainTextAsync("not connected");
        await Expect(page.Locator($"#seat-bot-{a}-{inA[2]}")).ToHaveCountAsync(0);
        // Room A lists the mover among those playing and the removed seat after them; room B says where its student went,
        // after its two players, and counts them only (it read "removed", among the players, while the log said "moved").
        await Expect(rowA.Locator(".seat").Last).ToHaveAttributeAsync("data-user-id", inA[2].ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(rowA.Locator($"[data-user-id='{inA[2]}']")).ToHaveAttributeAsync("data-state", "removed");
        var rowB = page.Locator($"#rooms-table tr[data-room-code='{b}']");
        var movedOut = rowB.Locator($"[data-user-id='{inB[0]}']");
        await Expect(movedOut).ToHaveAttributeAsync("data-state", "moved");
        await Expect(movedOut).ToContainTextAsync($": moved to room {a}");
        // One line, as every tag: the words of "moved to room N" broke over two in the narrow column.
        Assert.Equal(1, await movedOut.Locator(".tag").EvaluateAsync<int>("tag => { const text = document.createRange(); text.selectNodeContents(tag); return text.getClientRects().length; }"));
        await Expect(rowB.Locator(".seat").Last).ToHaveAttributeAsync("data-user-id", inB[0].ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(rowB.Locator("[data-column=chosen]")).ToHaveTextAsync("0 / 2");

        // The second of room A leaves too, and a bot takes their role.
        await page.ClickAsync($"#seat-remove-{a}-{inA[1]}");
        await page.ClickAsync("#console-confirm-yes");
        await page.ClickAsync($"#seat-bot-{a}-{inA[1]}");
        await Expect(rowA.Locator("[data-column=presence]")).ToContainTextAsync(": bot");
        await Expect(page.Locator($"#seat-bot-{a}-{inA[1]}")).ToHaveCountAsync(0);

        // Every room at once: both pause, both resume.
        await page.ClickAsync("#session-pause");
        await Expect(page.Locator($"#room-resume-{a}")).ToBeVisibleAsync();
        await Expect(page.Locator($"#room-resume-{b}")).ToBeVisibleAsync();
        // Ten minutes and the extension's one, less the moments before the pause (under a minute; the bound was 21 to 60
        // seconds, and a quick run on an idle machine reached the pause in 11).
        await Expect(timeLeft).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^stopped at 10:[0-5]\\d$"));
        await page.ClickAsync("#session-resume");
        await Expect(page.Locator($"#room-pause-{a}")).ToBeVisibleAsync();
        await Expect(page.Locator($"#room-pause-{b}")).ToBeVisibleAsync();

        await page.ClickAsync("#session-close");
        await page.ClickAsync("#console-confirm-yes");
        await Expect(page.Locator("#session-status")).ToHaveAttributeAsync("data-status", "closed");
        await HttpAssert.ProblemAsync(await SessionKit.EnrolAsync(await RoomKit.GuestAsync(browser.Client, Ct), code, Ct), System.Net.HttpStatusCode.Conflict, "session_closed");

        // A reload comes back to the session, and its log holds every action once, as the server audited them.
        await page.ReloadAsync();
        await Expect(page.Locator("#session-code")).ToHaveTextAsync(code);
        var audited = (await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}/actions", Ct))).EnumerateArray()
            .Select(action => action.GetProperty("action").GetString()).ToList();
        Assert.Equal(
            ["extend_deadline", "remove_participant", "move_participant", "remove_participant", "fill_with_bot", "pause_session", "resume_session", "close_session"],
            audited);
        await Expect(page.Locator("#action-log-table tbody tr")).ToHaveCountAsync(audited.Count);
        await Expect(page.Locator("#action-log-table tr[data-action=move_participant]")).ToContainTextAsync($"to room {a}");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "console-tools");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Ending_a_room_removing_a_student_and_closing_enrolment_are_asked_about_first_and_each_action_is_said_when_done()
    {
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, choiceSeconds: 600));
        await SessionKit.EnrolledAsync(browser.Client, code, 6, Ct);
        var rooms = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct));
        var (a, b) = (rooms[0].GetProperty("room_code").GetString()!, rooms[1].GetProperty("room_code").GetString()!);
        var gone = SessionKit.UserIds(rooms[1])[2];

        var page = await SignInAsync(facilitator.Tokens.Username);
        var sent = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Method == "POST")
            {
                sent.Add(new Uri(request.Url).AbsolutePath);
            }
        };
        await page.ClickAsync("#open-console");
        await page.FillAsync("#reopen-code", code);
        await page.ClickAsync("#reopen-submit");
        await Expect(page.Locator("#rooms-table tbody tr")).ToHaveCountAsync(2);
        var rowA = page.Locator($"#rooms-table tr[data-room-code='{a}']");
        await Expect(rowA).ToHaveAttributeAsync("data-phase", "started");
        // The live rooms are on a laptop's first screen: they were two screens down, under the forms for opening another session.
        await Expect(page.Locator("#rooms-table")).ToBeInViewportAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => !!(document.getElementById('console-rooms').compareDocumentPosition(document.getElementById('session-form')) & Node.DOCUMENT_POSITION_FOLLOWING)"));

        // End sat beside +1 min and ended a group's game at one press: now it asks, naming the room, and the question has the focus.
        await page.ClickAsync($"#room-end-{a}");
        var confirm = page.Locator("#console-confirm");
        await Expect(confirm).ToContainTextAsync($"End the game in room {a} now?");
        await Expect(confirm).ToBeFocusedAsync();
        await page.ClickAsync("#console-confirm-cancel");
        await Expect(confirm).ToHaveCountAsync(0);
        await Expect(page.Locator($"#room-end-{a}")).ToBeFocusedAsync();
        Assert.DoesNotContain(sent, path => path.EndsWith("/end", StringComparison.Ordinal));
        Assert.Equal("started", (await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/rooms/{a}", Ct))).GetProperty("phase").GetString());

        // By keyboard: Escape answers No, as in a dialog, and the focus goes back to End.
        await page.FocusAsync($"#room-end-{a}");
        await page.Keyboard.PressAsync("Enter");
        await Expect(confirm).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(confirm).ToHaveCountAsync(0);
        await Expect(page.Locator($"#room-end-{a}")).ToBeFocusedAsync();

        // Enter asks, Tab reaches Yes, Enter ends; what was done is said, and the words take the focus.
        await page.Keyboard.PressAsync("Enter");
        await Expect(confirm).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#console-confirm-yes")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(rowA).ToHaveAttributeAsync("data-phase", "finished");
        await Expect(page.Locator("#console-done")).ToHaveTextAsync($"The game in room {a} has ended.");
        await Expect(page.Locator("#console-done")).ToBeFocusedAsync();
        Assert.Single(sent, path => path.EndsWith("/end", StringComparison.Ordinal));

        // Removing a student asks too, by name.
        var name = await page.Locator($"#rooms-table tr[data-room-code='{b}'] [data-user-id='{gone}'] .tag").InnerTextAsync();
        name = name[..name.LastIndexOf(':')];
        await page.ClickAsync($"#seat-remove-{b}-{gone}");
        await Expect(confirm).ToContainTextAsync($"Remove {name} from the game in room {b}?");
        Assert.DoesNotContain(sent, path => path.EndsWith("/remove", StringComparison.Ordinal));
        await page.ClickAsync("#console-confirm-yes");
        await Expect(page.Locator($"#rooms-table tr[data-room-code='{b}'] [data-user-id='{gone}']")).ToContainTextAsync("removed");
        await Expect(page.Locator("#console-done")).ToHaveTextAsync($"{name} is out of the game in room {b}.");
        // The removed seat plays no more, so it is not counted among the seats that choose.
        await Expect(page.Locator($"#rooms-table tr[data-room-code='{b}'] [data-column=chosen]")).ToHaveTextAsync("0 / 2");

        // A reversible action is sent at once, and said.
        await page.ClickAsync($"#room-pause-{b}");
        await Expect(page.Locator("#console-done")).ToHaveTextAsync($"Room {b} is paused.");

        // Closing enrolment asks; the question is checked in both languages while it is open.
        await page.ClickAsync("#session-close");
        await Expect(confirm).ToHaveAttributeAsync("data-kind", "close");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "console-confirm");
        Assert.DoesNotContain(sent, path => path.EndsWith("/close", StringComparison.Ordinal));
        await page.SelectOptionAsync("#lang-select", "ko");
        await page.ClickAsync("#console-confirm-yes");
        await Expect(page.Locator("#session-status")).ToHaveAttributeAsync("data-status", "closed");
        await Expect(page.Locator("#console-done")).ToHaveTextAsync("등록을 마감했습니다.");

        // An action taken elsewhere (another device, a co-facilitator) shows in the log without a reload.
        await Expect(page.Locator("#action-log-table tr[data-action=resume_room]")).ToHaveCountAsync(0);
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{b}/resume", null, Ct));
        await Expect(page.Locator("#action-log-table tr[data-action=resume_room]")).ToHaveCountAsync(1);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Remove_waits_while_a_student_is_connected_and_a_refusal_in_between_is_said_beside_the_rooms()
    {
        var (facilitator, code, room, seated) = await StartedSessionAsync();
        var (here, away) = (seated[0], seated[1]);
        await using var hereSocket = await VoiceConnectedAsync(here, room);
        var page = await ConsoleOnAsync(facilitator, code);

        // Connected, the student cannot be removed (the room answers 409 participant_present): the button waits, and says why.
        var removeHere = page.Locator($"#seat-remove-{room}-{here.UserId}");
        await Expect(removeHere).ToBeDisabledAsync();
        await Expect(page.Locator($"#seat-connected-{room}-{here.UserId}")).ToHaveTextAsync("Remove: only once they are not connected");
        await Expect(removeHere).ToHaveAttributeAsync("aria-describedby", $"seat-connected-{room}-{here.UserId}");
        // The tag agrees with the button: both seats read "present" and only one could be removed.
        var seatOf = (long user) => page.Locator($"#rooms-table tr[data-room-code='{room}'] [data-user-id='{user}']");
        await Expect(seatOf(here.UserId)).ToHaveAttributeAsync("data-state", "online");
        await Expect(seatOf(here.UserId)).ToContainTextAsync(": online");
        // Never connected: "not connected", and offered.
        await Expect(page.Locator($"#seat-remove-{room}-{away.UserId}")).ToBeEnabledAsync();
        await Expect(page.Locator($"#seat-connected-{room}-{away.UserId}")).ToHaveCountAsync(0);
        await Expect(seatOf(away.UserId)).ToHaveAttributeAsync("data-state", "offline");
        await Expect(seatOf(away.UserId)).ToContainTextAsync(": not connected");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "console-connected");

        // Asked about while gone, the student connects before Yes: the refusal is said where the focus goes, not only at the top.
        await page.ClickAsync($"#seat-remove-{room}-{away.UserId}");
        await Expect(page.Locator("#console-confirm")).ToBeFocusedAsync();
        await using var awaySocket = await VoiceConnectedAsync(away, room);
        await Expect(page.Locator($"#seat-connected-{room}-{away.UserId}")).ToBeVisibleAsync();
        await page.ClickAsync("#console-confirm-yes");
        var done = page.Locator("#console-done");
        await Expect(done).ToHaveAttributeAsync("data-done", "refused");
        await Expect(done).ToHaveTextAsync("Not done: That player is still connected: only a player who is gone can be removed.");
        await Expect(done).ToBeFocusedAsync();
        await Expect(seatOf(away.UserId)).ToHaveAttributeAsync("data-state", "online");

        // Gone, the first student is offered for removal again, and removed.
        await hereSocket.DisposeAsync();
        await Expect(removeHere).ToBeEnabledAsync();
        await removeHere.ClickAsync();
        await page.ClickAsync("#console-confirm-yes");
        await Expect(page.Locator($"#rooms-table tr[data-room-code='{room}'] [data-user-id='{here.UserId}']")).ToContainTextAsync("removed");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Pause_resume_and_more_time_pressed_by_keyboard_leave_the_focus_on_the_rooms_button()
    {
        var (facilitator, code, room, _) = await StartedSessionAsync();
        var page = await ConsoleOnAsync(facilitator, code);
        var row = page.Locator($"#rooms-table tr[data-room-code='{room}']");
        var done = page.Locator("#console-done");

        // Pause is drawn again as Resume: the focus was left on the page's body, and Enter did nothing.
        await page.FocusAsync($"#room-pause-{room}");
        await page.Keyboard.PressAsync("Enter");
        await Expect(done).ToHaveTextAsync($"Room {room} is paused.");
        await Expect(row.Locator("[data-column=phase] .tag")).ToHaveTextAsync("paused");
        await Expect(page.Locator($"#room-resume-{room}")).ToBeFocusedAsync();
        Assert.Equal($"room-resume-{room}", await page.EvaluateAsync<string>("() => document.activeElement.id"));

        await page.Keyboard.PressAsync("Enter");
        await Expect(done).ToHaveTextAsync($"Room {room} plays on.");
        await Expect(row.Locator("[data-column=phase] .tag")).ToHaveCountAsync(0);
        await Expect(page.Locator($"#room-pause-{room}")).ToBeFocusedAsync();

        // The next button of the row, by Tab: +1 min keeps the focus too, to be pressed again.
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator($"#room-extend-{room}")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(done).ToHaveTextAsync($"Room {room} has one more minute.");
        await Expect(page.Locator("#action-log-table tr[data-action=extend_deadline]")).ToHaveCountAsync(1);
        Assert.Equal($"room-extend-{room}", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_broadcast_sent_from_another_device_shows_in_the_log_as_it_goes_out()
    {
        var (facilitator, code, room, _) = await StartedSessionAsync();
        var page = await ConsoleOnAsync(facilitator, code);
        await Expect(page.Locator("#action-log")).ToContainTextAsync("No action yet.");

        // A broadcast changes no room, so it waited in the log for the next change of one (or a reload).
        using var sent = await facilitator.PostAsync($"/sessions/{code}/broadcast", new { message = "Sent from the phone" }, Ct);
        sent.EnsureSuccessStatusCode();
        await Expect(page.Locator("#action-log-table tr[data-action=broadcast]")).ToContainTextAsync("Sent from the phone");

        // A room's action from the phone too: the console reads the log on the monitor's facilitator_action, no longer
        // guessing from the room's change.
        using var paused = await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/pause", new { reason = "from the phone" }, Ct);
        paused.EnsureSuccessStatusCode();
        await Expect(page.Locator("#action-log-table tr[data-action=pause_room]")).ToHaveCountAsync(1);

        // Closing enrolment changes no room at all: the log missed it until a reload.
        using var closed = await facilitator.PostAsync($"/sessions/{code}/close", new { }, Ct);
        closed.EnsureSuccessStatusCode();
        await Expect(page.Locator("#action-log-table tr[data-action=close_session]")).ToHaveCountAsync(1);
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// The page offers only other rooms than the student's, so the server's same_room is made real by altering the move on
    /// its way (to the student's own room): it is said at the room's field. A room with no free seat (every seat of a
    /// started game played) is a refusal naming no field: said in the alert and beside the rooms, no field marked.
    /// </summary>
    [Fact]
    public async Task A_move_refused_for_the_same_room_is_said_at_the_room_and_one_refused_for_a_full_room_in_the_alert()
    {
        var (facilitator, code, (a, inA), (b, _)) = await TwoRoomsAsync();
        var page = await ConsoleOnAsync(facilitator, code, rooms: 2);
        await page.CheckAsync($"#move-who input[value='{a}:{inA[0]}']");
        await page.SelectOptionAsync("#move-to", b);
        await page.RouteAsync("**/move", route => route.ContinueAsync(new()
        {
            PostData = Encoding.UTF8.GetBytes(route.Request.PostData!.Replace($"\"to_room_code\":\"{b}\"", $"\"to_room_code\":\"{a}\"", StringComparison.Ordinal)),
        }));
        await page.ClickAsync("#move-submit");
        await FieldErrors.AssertSaidAtAsync(page, "#move-to", "same_room", "Choose another room.", notAt: "#move-who input:checked");

        await page.UnrouteAllAsync();
        await page.ClickAsync("#move-submit");
        await Expect(page.Locator("#error[data-code='no_free_seat']")).ToHaveTextAsync("That room has no free seat.");
        await Expect(page.Locator("#console-done")).ToHaveTextAsync("Not done: That room has no free seat.");
        await Expect(page.Locator("#move-to")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#move-submit")).ToBeFocusedAsync();
        Assert.Equal(0, await page.Locator("#action-log-table tr[data-action=move_participant]").CountAsync());
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// A live update (from another device) takes away the control with the focus: a student's Remove as they are removed,
    /// the move's fields as the last other room ends. The focus fell back to the page's heading, a screen above; it stays
    /// in the rooms' table, or on the words that say why the move's form is gone.
    /// </summary>
    [Fact]
    public async Task A_control_a_live_update_takes_away_leaves_the_focus_in_the_rooms_table_or_on_what_replaced_it()
    {
        var (facilitator, code, (a, inA), (b, _)) = await TwoRoomsAsync();
        var page = await ConsoleOnAsync(facilitator, code, rooms: 2);

        await page.FocusAsync($"#seat-remove-{a}-{inA[2]}");
        using (var removed = await facilitator.PostAsync($"/sessions/{code}/rooms/{a}/remove", new { user_id = inA[2] }, Ct))
        {
            removed.EnsureSuccessStatusCode();
        }

        await Expect(page.Locator($"#rooms-table tr[data-room-code='{a}'] [data-user-id='{inA[2]}']")).ToHaveAttributeAsync("data-state", "removed");
        await Expect(page.Locator("#rooms-region")).ToBeFocusedAsync();

        await page.FocusAsync("#move-who input:checked");
        using (var ended = await facilitator.PostAsync($"/sessions/{code}/rooms/{b}/end", new { }, Ct))
        {
            ended.EnsureSuccessStatusCode();
        }

        await Expect(page.Locator("#move-none")).ToHaveTextAsync("Nobody to move, or no other room.");
        await Expect(page.Locator("#move-none")).ToBeFocusedAsync();
        await page.Context.CloseAsync();
    }

    /// <summary>A session of six students (ten minutes to choose) started through the API: two rooms, each with its students' ids.</summary>
    private async Task<(Player Facilitator, string Code, (string Code, long[] Seated) A, (string Code, long[] Seated) B)> TwoRoomsAsync()
    {
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, choiceSeconds: 600));
        await SessionKit.EnrolledAsync(browser.Client, code, 6, Ct);
        var rooms = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct));
        (string, long[]) Room(int i) => (rooms[i].GetProperty("room_code").GetString()!, SessionKit.UserIds(rooms[i]).ToArray());
        return (facilitator, code, Room(0), Room(1));
    }

    /// <summary>A session of three students (ten minutes to choose) started through the API: one room, and its students.</summary>
    private async Task<(Player Facilitator, string Code, string Room, Player[] Seated)> StartedSessionAsync()
    {
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, choiceSeconds: 600));
        var students = await SessionKit.EnrolledAsync(browser.Client, code, 3, Ct);
        var room = Assert.Single(SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct)));
        var seated = SessionKit.UserIds(room).Select(id => students.Single(s => s.UserId == id)).ToArray();
        return (facilitator, code, room.GetProperty("room_code").GetString()!, seated);
    }

    /// <summary>The console of a session opened by its code, its rooms' rows drawn from the monitor.</summary>
    private async Task<IPage> ConsoleOnAsync(Player facilitator, string code, int rooms = 1)
    {
        var page = await SignInAsync(facilitator.Tokens.Username);
        await page.ClickAsync("#open-console");
        await page.FillAsync("#reopen-code", code);
        await page.ClickAsync("#reopen-submit");
        await Expect(page.Locator("#rooms-table tbody tr[data-phase=started]")).ToHaveCountAsync(rooms);
        return page;
    }

    /// <summary>A student's voice socket to their room, its join answered: from then on the room counts them connected.</summary>
    private async Task<SocketClient> VoiceConnectedAsync(Player student, string room)
    {
        var socket = await RealtimeKit.VoiceAsync(browser.Address, student, room, Ct);
        await socket.SendAsync(new { type = "init" }, Ct);
        await socket.NextAsync("session_state", Ct);
        return socket;
    }

    private static async Task<DateTimeOffset> DeadlineAsync(Player facilitator, string room) =>
        (await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/rooms/{room}", Ct))).GetProperty("deadline_at").GetDateTimeOffset();

    [Fact]
    public async Task Once_a_session_opens_its_form_is_empty_and_the_pool_count_follows_students_enrolling_without_a_refresh()
    {
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), Ct);
        var page = await SignInAsync(facilitator.Tokens.Username);
        await page.ClickAsync("#open-console");
        await Expect(page.Locator("#session-topic input").First).ToBeAttachedAsync();
        await page.FillAsync("#session-title", "Arriving");
        await page.ClickAsync("#session-submit");
        await Expect(page.Locator("#pool-count")).ToHaveAttributeAsync("data-count", "0");

        // The form is empty again: left filled in, a second press opened a second session for the same class.
        await Expect(page.Locator("#session-title")).ToHaveValueAsync("");
        var code = await page.Locator("#session-code").TextContentAsync();

        // The class comes in while the teacher watches the screen: it said 0 until Refresh was pressed.
        await SessionKit.EnrolledAsync(browser.Client, code!, 2, Ct);
        await Expect(page.Locator("#pool-count")).ToHaveAttributeAsync("data-count", "2");
        await SessionKit.EnrolledAsync(browser.Client, code!, 1, Ct);
        await Expect(page.Locator("#pool-count")).ToHaveAttributeAsync("data-count", "3");

        // What is being typed meanwhile survives the redraws.
        await page.FillAsync("#reopen-code", "TYPED");
        await SessionKit.EnrolledAsync(browser.Client, code!, 1, Ct);
        await Expect(page.Locator("#pool-count")).ToHaveAttributeAsync("data-count", "4");
        await Expect(page.Locator("#reopen-code")).ToHaveValueAsync("TYPED");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Starting_with_an_empty_pool_is_refused_with_the_apps_error_text()
    {
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), Ct);
        var page = await SignInAsync(facilitator.Tokens.Username);
        await page.ClickAsync("#open-console");
        await page.FillAsync("#session-title", "Empty start");
        await page.ClickAsync("#session-submit");
        await Expect(page.Locator("#session-code")).Not.ToBeEmptyAsync();

        // Starting with nobody enrolled: the server's code is shown as the app's text for it.
        await page.ClickAsync("#session-start");
        await Expect(page.Locator("#error")).ToHaveAttributeAsync("data-code", "pool_empty");
        await Expect(page.Locator("#error")).ToHaveTextAsync("No student has enrolled yet.");
        await Expect(page.Locator("#session-status")).ToHaveAttributeAsync("data-status", "open");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_researcher_without_the_facilitator_role_is_not_offered_the_console()
    {
        var researcher = await Roles.NewAccountWithAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), AccountRoles.Researcher, Ct, "res");
        var page = await SignInAsync(researcher.Username);
        await Expect(page.Locator("#open-research")).ToBeVisibleAsync();
        await Expect(page.Locator("#open-console")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_study_lead_sets_the_sessions_study_label_timers_rules_and_an_AI_written_scenario_on_the_form()
    {
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), Ct);
        var page = await SignInAsync(facilitator.Tokens.Username);
        await page.ClickAsync("#open-console");
        await Expect(page.Locator("#session-topic input").First).ToBeAttachedAsync();
        await page.FillAsync("#session-title", "Night-care study");
        await page.CheckAsync($"#session-topic input[value='{RoomKit.Topic}']");
        await page.ClickAsync("#session-settings summary");
        await page.FillAsync("#session-study-label", "night-care-2027");
        await page.FillAsync("#session-choice-seconds", "300");
        await page.FillAsync("#session-consensus-seconds", "120");
        await page.CheckAsync("#session-on-dropout input[value=bot]");
        await page.CheckAsync("#session-voice input[value=required]");
        // The voice choice's words are not cut off (they were, in a select at the fields' 24rem): radios' words wrap.
        Assert.Empty(await Reflow.ClippedTextAsync(page));
        // A bot in a dropout's seat needs no box ticked, and the page says so beside it.
        await Expect(page.Locator("#session-on-dropout")).ToHaveAttributeAsync("aria-describedby", "session-on-dropout-hint");
        // Bots for those left over need bots allowed (else 422 remainder_needs_bots): unticked, the choice is greyed out, with why.
        await Expect(page.Locator("#session-remainder input[value=bots]")).ToBeDisabledAsync();
        await Expect(page.Locator("#session-remainder-hint")).ToBeVisibleAsync();
        await Expect(page.Locator("#session-remainder")).ToHaveAttributeAsync("aria-describedby", "session-remainder-hint");
        await page.CheckAsync("#session-bots-allowed");
        await Expect(page.Locator("#session-remainder input[value=bots]")).ToBeEnabledAsync();
        await Expect(page.Locator("#session-remainder-hint")).ToHaveCountAsync(0);
        await page.CheckAsync("#session-remainder input[value=bots]");
        await page.CheckAsync("#session-generate");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "console-settings");
        await Expect(page.Locator("#session-study-label")).ToHaveValueAsync("night-care-2027");

        await page.ClickAsync("#session-submit");
        var codeElement = page.Locator("#session-code");
        await Expect(codeElement).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}$"));
        var session = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{await codeElement.TextContentAsync()}", Ct));
        Assert.Equal(
            ("night-care-2027", 300, 120, "bot", "required", true, "bots"),
            (session.GetProperty("study_label").GetString(), session.GetProperty("choice_seconds").GetInt32(), session.GetProperty("consensus_seconds").GetInt32(),
                session.GetProperty("on_dropout").GetString(), session.GetProperty("voice").GetString(), session.GetProperty("bots_allowed").GetBoolean(),
                session.GetProperty("remainder_rule").GetString()));
        // A scenario of its own, written for it on the topic: not the topic's prepared one.
        var scenarioId = session.GetProperty("scenario_id").GetString();
        Assert.NotNull(scenarioId);
        Assert.NotEqual(Dilemma.Grains.Scenarios.ScenarioBank.LoadEmbedded().FindByTopic(RoomKit.Topic)!.Id, scenarioId);
        Assert.Equal(RoomKit.Topic, session.GetProperty("topic").GetString());
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// The console's refusals were said in the alert alone: a setting folded in the session's settings, or a code typed to
    /// open a session again, is now marked where it was typed.
    /// </summary>
    [Fact]
    public async Task A_session_setting_or_a_code_the_server_refuses_is_said_at_its_field()
    {
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), Ct);
        var page = await SignInAsync(facilitator.Tokens.Username);
        await page.ClickAsync("#open-console");
        await Expect(page.Locator("#session-topic input").First).ToBeAttachedAsync();
        await page.FillAsync("#session-title", "Marked");
        await page.ClickAsync("#session-settings summary");
        await page.FillAsync("#session-study-label", "night\u202Ecare");
        await page.ClickAsync("#session-submit");
        await FieldErrors.AssertSaidAtAsync(page, "#session-study-label", "invalid_study_label",
            "A study label has 1 to 64 characters, something visible, and no hidden or text-direction characters.");

        await page.FillAsync("#reopen-code", "ZZZZZZZZZZ");
        await page.ClickAsync("#reopen-submit");
        await FieldErrors.AssertSaidAtAsync(page, "#reopen-code", "session_not_found", "No session with that code.", notAt: "#session-study-label");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_broadcast_the_server_refuses_is_said_at_the_message()
    {
        var (facilitator, code, _, _) = await StartedSessionAsync();
        var page = await ConsoleOnAsync(facilitator, code);
        await page.FillAsync("#broadcast-message", "   ");
        await page.ClickAsync("#broadcast-submit");

        await FieldErrors.AssertSaidAtAsync(page, "#broadcast-message", "invalid_message", "Write a message of 1 to 280 characters.");
        await page.Context.CloseAsync();
    }

    private Task<IPage> SignInAsync(string username) => ClientFlows.SignInAccountAsync(() => browser.NewPageAsync(), username);
}
