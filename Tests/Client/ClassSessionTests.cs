using System.Text.Json;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Rooms;
using Dilemma.Tests.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>
/// A class session from the students' side, in Chromium: the console showed a join link and a QR code to
/// <c>/?session=CODE</c>, and the web app did nothing with it, nor offered any other way into a session. Students now
/// arrive by the link (signing in on the way) or by typing the code, wait for the start, and find themselves in their
/// room; a facilitator's pause is said on every page, with the clock stopped and the buttons held.
/// </summary>
public class ClassSessionTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Students_join_by_the_link_or_the_code_wait_for_the_start_play_and_see_their_facilitators_pause()
    {
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), Ct);
        var session = await SessionKit.CreateAsync(facilitator, Ct, choiceSeconds: 600);
        var code = SessionKit.Code(session);
        var link = new Uri(session.GetProperty("join_link").GetString()!);

        // Two by the link (the path and query the QR code holds), signing in as guests on the way; one by the code, typed
        // in the lobby in small letters.
        var pages = new List<IPage>();
        foreach (var name in new[] { "Ada", "Ben" })
        {
            var page = await browser.NewPageAsync();
            await page.GotoAsync(link.PathAndQuery);
            await page.SelectOptionAsync("#lang-select", "en");
            await Expect(page.Locator("#class-from-link")).ToContainTextAsync(code);
            // The code is kept in the tab, not left in the address.
            Assert.DoesNotContain("session=", page.Url, StringComparison.Ordinal);
            await page.FillAsync("#guest-nickname", name);
            await page.CheckAsync("#data-consent");
            await page.ClickAsync("#guest-submit");
            await Expect(page.Locator("#class-status")).ToHaveAttributeAsync("data-status", "waiting", new() { Timeout = 60_000 });
            pages.Add(page);
        }

        var third = await ClientFlows.SignInGuestAsync(() => browser.NewPageAsync(), "Cy", dataConsent: false);
        await third.FillAsync("#class-code", code.ToLowerInvariant());
        await third.ClickAsync("#class-submit");

        // Signed in without consenting to research: the session asks for it before the pool takes them.
        await Expect(third.Locator("#class-consent-form")).ToBeVisibleAsync();
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(third, "class-consent");
        await third.CheckAsync("#class-data-consent");
        await third.ClickAsync("#class-consent-submit");
        await Expect(third.Locator("#class-status")).ToHaveAttributeAsync("data-status", "waiting");
        pages.Add(third);
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(pages[0], "class-waiting");

        // A reload while waiting comes back to the wait, not to the lobby.
        await pages[1].ReloadAsync();
        await Expect(pages[1].Locator("#class-status")).ToHaveAttributeAsync("data-status", "waiting");

        var pool = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}", Ct));
        Assert.Equal(3, pool.GetProperty("pool").GetArrayLength());

        // The start seats them: every page goes into the room by itself, on round 1 with its clock running.
        var room = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))[0].GetProperty("room_code").GetString()!;
        foreach (var page in pages)
        {
            await Expect(page.Locator("#room-code")).ToHaveTextAsync($"Room code {room}");
            await Expect(page.Locator("#round-timer")).ToHaveAttributeAsync("data-deadline", new System.Text.RegularExpressions.Regex("^20"));
            await Expect(page.Locator("#choice-submit")).ToBeEnabledAsync();
        }

        // The facilitator pauses the room: each page says so, its clock stops, and a choice waits.
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/pause", new { reason = "a word with the class" }, Ct));
        foreach (var page in pages)
        {
            await Expect(page.Locator("#paused-notice")).ToContainTextAsync("Your facilitator has paused the game.");
            await Expect(page.Locator("#round-timer")).ToHaveAttributeAsync("data-paused", "true");
            await Expect(page.Locator("#round-timer")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^The clock is stopped at (10:00|9:[0-5]\\d) while the game is paused\\.$"));
            await Expect(page.Locator("#choice-submit")).ToBeDisabledAsync();
        }

        // Not the host's dropout notice: nobody dropped out.
        foreach (var page in pages)
        {
            await Expect(page.Locator("#room-paused")).ToHaveCountAsync(0);
        }

        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(pages[0], "round-paused");

        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/resume", null, Ct));
        foreach (var page in pages)
        {
            await Expect(page.Locator("#paused-notice")).ToHaveCountAsync(0);
            await Expect(page.Locator("#round-timer")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Time left to choose: (10:00|9:[0-5]\\d)$"));
            await Expect(page.Locator("#choice-submit")).ToBeEnabledAsync();
        }

        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_student_moved_mid_game_by_the_facilitator_follows_into_the_new_room_on_a_phone_and_is_told_from_where()
    {
        var (page, facilitator, code) = await PhoneStudentWaitingAsync("Mo");
        var me = await page.EvaluateAsync<long>("() => JSON.parse(sessionStorage.getItem('dilemma.session')).user_id");
        await SessionKit.EnrolledAsync(browser.Client, code, 5, Ct);

        var rooms = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct));
        var from = rooms.Single(room => SessionKit.UserIds(room).Contains(me));
        var to = rooms.Single(room => !SessionKit.UserIds(room).Contains(me));
        var (source, target) = (from.GetProperty("room_code").GetString()!, to.GetProperty("room_code").GetString()!);
        await Expect(page.Locator("#room-code")).ToHaveTextAsync($"Room code {source}");
        await Expect(page.Locator("#choice-submit")).ToBeEnabledAsync();

        // A seat frees in the other room (a student who never came), and the facilitator moves this student into it.
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{target}/remove", new { user_id = SessionKit.UserIds(to)[0] }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{source}/move", new { user_id = me, to_room_code = target }, Ct));

        // The page was dropped in the lobby with "you left it in another window, or you were removed or moved…" and no
        // way to the new room but asking for its code. It goes there by itself, says why, and the game goes on.
        await Expect(page.Locator("#room-code")).ToHaveTextAsync($"Room code {target}");
        await Expect(page.Locator("#moved-notice")).ToHaveTextAsync($"Your facilitator moved you to this room from room {source}. You play on here; your role in this room is shown below.");
        await Expect(page.Locator("#error")).ToBeHiddenAsync();
        await Expect(page.Locator("#my-role")).ToContainTextAsync("Your role: ");
        await Expect(page.Locator("#choice-submit")).ToBeEnabledAsync();
        // The seat that was freed is listed apart, under those playing, and not counted among them ("0 of 3" over four rows).
        await Expect(page.Locator("#chosen-count")).ToHaveTextAsync("0 of 3 have chosen");
        await Expect(page.Locator("#chosen-list li")).ToHaveCountAsync(3);
        await Expect(page.Locator($"#departed-list li[data-user-id='{SessionKit.UserIds(to)[0]}'] [data-presence=removed]")).ToBeVisibleAsync();
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "round-moved-phone");

        // A reload keeps them in the new room.
        await page.ReloadAsync();
        await Expect(page.Locator("#room-code")).ToHaveTextAsync($"Room code {target}");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Students_whose_facilitator_ends_their_game_early_are_told_who_ended_it_on_a_phone()
    {
        var (page, facilitator, code) = await PhoneStudentWaitingAsync("Eli");
        await SessionKit.EnrolledAsync(browser.Client, code, 2, Ct);
        var room = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))[0].GetProperty("room_code").GetString()!;
        await Expect(page.Locator("#room-code")).ToHaveTextAsync($"Room code {room}");
        await Expect(page.Locator("#round-title")).ToContainTextAsync("Round 1 of 5");

        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/end", null, Ct));

        // The page went to the statistics with four rounds missing and no word why. No round was decided: the statistics
        // say so rather than draw bare axes and empty grids.
        const string Told = "Your facilitator ended this game before your group decided any round, so there are no results to show.";
        await Expect(page.Locator("#room-phase")).ToHaveTextAsync("Finished");
        await Expect(page.Locator("#ended-early")).ToHaveTextAsync(Told);
        await Expect(page.Locator("#live")).ToHaveTextAsync(Told);
        await Expect(page.Locator("#stats-none")).ToHaveTextAsync("No round was decided in this game: there is nothing to chart.");
        await Expect(page.Locator("#statistics svg, #stats-details")).ToHaveCountAsync(0);
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "finished-ended-early-phone");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Students_hear_whose_seat_a_bot_took_when_their_facilitator_fills_it()
    {
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, botsAllowed: true, choiceSeconds: 600));
        var page = await ClientFlows.SignInGuestAsync(() => browser.NewPageAsync(), "Gus");
        await page.FillAsync("#class-code", code);
        await page.ClickAsync("#class-submit");
        await Expect(page.Locator("#class-status")).ToHaveAttributeAsync("data-status", "waiting");
        var others = await SessionKit.EnrolledAsync(browser.Client, code, 2, Ct);
        var room = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))[0].GetProperty("room_code").GetString()!;
        await Expect(page.Locator("#round-title")).ToContainTextAsync("Round 1 of 5");
        await LiveRegion.RecordAsync(page);

        var gone = others[0].UserId;
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/remove", new { user_id = gone }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/bot", new { user_id = gone }, Ct));

        // "Bot 1 joined the room" did not say that a teammate had gone, nor which role the bot now plays.
        await Expect(page.Locator("#chosen-list [data-presence=bot]")).ToHaveCountAsync(1);
        await LiveRegion.ExpectSaidAsync(page, "Bot 1 took the seat of \\S+ \\((Caregiver|Family member|AI developer)\\)\\.");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Students_are_told_on_a_phone_when_their_facilitator_gives_the_round_more_time()
    {
        var (page, facilitator, code) = await PhoneStudentWaitingAsync("Fay");
        // The extension is pushed on the room's voice socket: the test waits for this page's to be joined.
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        page.WebSocket += (_, socket) =>
        {
            if (socket.Url.Contains("/ws/voice/", StringComparison.Ordinal))
            {
                socket.FrameReceived += (_, frame) =>
                {
                    if (frame.Text?.Contains("\"session_state\"", StringComparison.Ordinal) == true)
                    {
                        joined.TrySetResult();
                    }
                };
            }
        };
        await SessionKit.EnrolledAsync(browser.Client, code, 2, Ct);
        var room = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))[0].GetProperty("room_code").GetString()!;
        await Expect(page.Locator("#room-code")).ToHaveTextAsync($"Room code {room}");
        await joined.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await Expect(page.Locator("#extended-notice")).ToHaveCountAsync(0);

        // The clock alone jumped a minute, as after a resume, and nobody said why.
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/extend", new { seconds = 60 }, Ct));
        const string Told = "The facilitator gave this round more time: the clock shows the new time left.";
        await Expect(page.Locator("#extended-notice")).ToHaveTextAsync(Told);
        await Expect(page.Locator("#live")).ToHaveTextAsync(Told);
        await Expect(page.Locator("#round-timer")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Time left to choose: (11:00|10:[0-5]\\d)$"));
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "round-extended-phone");

        // The sureness scale on a phone: 1 to 5 on one row (the 5 fell alone below).
        var rows = await page.EvaluateAsync<double>(
            "() => { const tops = [...document.querySelectorAll('#confidence-group label')].map((label) => label.getBoundingClientRect().top); return Math.max(...tops) - Math.min(...tops); }");
        Assert.True(rows < 1, $"The sureness scale's boxes are on more than one row on a phone ({rows} px apart).");
        await Expect(page.Locator("#extended-notice")).ToHaveTextAsync(Told);
        await page.SelectOptionAsync("#lang-select", "ko");
        await Expect(page.Locator("#extended-notice")).ToHaveTextAsync("진행자가 이 라운드에 시간을 더 주었습니다. 시계에 새로 남은 시간이 나옵니다.");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_student_taken_out_of_the_game_for_good_while_their_connection_was_down_is_told_so_on_a_phone()
    {
        var (page, facilitator, code) = await PhoneStudentWaitingAsync("Tia");
        var me = await page.EvaluateAsync<long>("() => JSON.parse(sessionStorage.getItem('dilemma.session')).user_id");

        // The page's sockets go through the test, which cuts them as a lost connection would and later lets them through.
        // A socket opened while cut reaches nothing (Playwright answers it, open); one opened after goes to the server.
        var cut = false;
        var routes = new List<(IWebSocketRoute Page, IWebSocketRoute? Server)>();
        await page.RouteWebSocketAsync(new System.Text.RegularExpressions.Regex("/ws/"), route =>
        {
            lock (routes)
            {
                routes.Add((route, cut ? null : route.ConnectToServer()));
            }
        });

        // Cuts the sockets off (or lets them through again) and hands back those routed so far.
        List<(IWebSocketRoute Page, IWebSocketRoute? Server)> Cut(bool value)
        {
            lock (routes)
            {
                cut = value;
                List<(IWebSocketRoute Page, IWebSocketRoute? Server)> routed = [.. routes];
                routes.Clear();
                return routed;
            }
        }

        await SessionKit.EnrolledAsync(browser.Client, code, 2, Ct);
        var room = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))[0].GetProperty("room_code").GetString()!;
        await Expect(page.Locator("#room-code")).ToHaveTextAsync($"Room code {room}");
        await Expect(page.Locator("#choice-submit")).ToBeEnabledAsync();

        foreach (var (_, server) in Cut(true))
        {
            if (server is not null)
            {
                await server.CloseAsync();
            }
        }

        // The room lets the facilitator remove them once none of their sockets is open (409 participant_present before).
        var removal = $"/sessions/{code}/rooms/{room}/remove";
        await Eventually.UntilAsync(
            async () =>
            {
                using var removed = await facilitator.PostAsync(removal, new { user_id = me }, Ct);
                return removed.IsSuccessStatusCode;
            },
            TimeSpan.FromSeconds(30),
            "the room to let the student be removed once their sockets closed",
            Ct);

        // The connection comes back: the page's next sockets reach the room, which refuses them (4003), and the page says why.
        foreach (var (socket, _) in Cut(false))
        {
            await socket.CloseAsync(new() { Code = 1001 });
        }

        const string Told = "You are no longer in that game: you were taken out of it. Ask your facilitator where to go next.";
        await Expect(page.Locator("#error")).ToHaveAttributeAsync("data-code", "removed_from_class_game", new() { Timeout = 30_000 });
        await Expect(page.Locator("#error")).ToHaveTextAsync(Told);
        await Expect(page.Locator("#room-code")).ToHaveCountAsync(0);
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "class-removed-phone");
        await page.SelectOptionAsync("#lang-select", "ko");
        await Expect(page.Locator("#error")).ToHaveTextAsync("더 이상 그 게임의 참가자가 아닙니다. 게임에서 제외되었습니다. 어디로 가야 할지 진행자에게 물어보세요.");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_student_whose_asks_are_lost_on_the_way_keeps_waiting_and_still_comes_into_the_room_on_a_phone()
    {
        var (page, facilitator, code) = await PhoneStudentWaitingAsync("Lu");

        // The page's next asks for its seat: the first fails as a dropped network fails, the second is never answered (a
        // connection gone silent, which a browser waits on for minutes), and the rest go through. The first sent the
        // student to the lobby ("The server cannot be reached"); the second stopped the asking for good, and the page
        // said "Waiting for the start…" long after the start.
        var asks = 0;
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync("**/enrol", async route =>
        {
            switch (Interlocked.Increment(ref asks))
            {
                case 1:
                    await route.AbortAsync("internetdisconnected");
                    break;
                case 2:
                    held.TrySetResult();
                    break;
                default:
                    await route.ContinueAsync();
                    break;
            }
        });
        await Eventually.UntilAsync(
            () => Task.FromResult(held.Task.IsCompleted),
            TimeSpan.FromSeconds(30),
            "the page to ask for its seat again after an ask failed on the way",
            Ct);
        await Expect(page.Locator("#class-status")).ToHaveAttributeAsync("data-status", "waiting");
        await Expect(page.Locator("#error")).ToBeHiddenAsync();

        await SessionKit.EnrolledAsync(browser.Client, code, 2, Ct);
        var room = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))[0].GetProperty("room_code").GetString()!;
        await Expect(page.Locator("#room-code")).ToHaveTextAsync($"Room code {room}", new() { Timeout = 30_000 });
        await Expect(page.Locator("#choice-submit")).ToBeEnabledAsync();
        Assert.True(Volatile.Read(ref asks) >= 3, $"The page came into the room after {Volatile.Read(ref asks)} asks; the held one was to be given up and asked again.");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_student_waiting_when_the_facilitator_closes_the_session_is_told_and_back_in_the_lobby()
    {
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var page = await ClientFlows.SignInGuestAsync(() => browser.NewPageAsync(), "Eve", dataConsent: true);
        await page.FillAsync("#class-code", code);
        await page.ClickAsync("#class-submit");
        await Expect(page.Locator("#class-status")).ToHaveAttributeAsync("data-status", "waiting");

        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/close", null, Ct));

        // No room will come: the next ask says so, rather than waiting on.
        await Expect(page.Locator("#error")).ToHaveAttributeAsync("data-code", "session_closed");
        await Expect(page.Locator("#class-form")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('dilemma.class_session')"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_student_left_over_at_the_start_waits_for_late_classmates_and_is_not_told_to_share_the_room_code()
    {
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        var page = await ClientFlows.SignInGuestAsync(() => browser.NewPageAsync(), "Odd", dataConsent: true);
        await page.FillAsync("#class-code", code);
        await page.ClickAsync("#class-submit");
        await Expect(page.Locator("#class-status")).ToHaveAttributeAsync("data-status", "waiting");

        // One student is a remainder: the session's waiting room, which late arrivals fill.
        await SessionKit.StartAsync(facilitator, code, Ct);
        await Expect(page.Locator("#room-code")).ToBeVisibleAsync();
        var room = await page.EvaluateAsync<JsonElement>(
            "async () => { const s = JSON.parse(sessionStorage.getItem('dilemma.session')); const code = sessionStorage.getItem('dilemma.room'); " +
            "return (await fetch(`/rooms/${code}`, { headers: { Authorization: `Bearer ${s.access_token}` } })).json(); }");
        Assert.Equal(code, room.GetProperty("session_code").GetString());

        // It said "Share the code": the class's other rooms had started, and nobody else could use it.
        await Expect(page.Locator("#need-three")).ToContainTextAsync("Classmates who arrive late are seated here");
        await Expect(page.Locator("#need-three")).Not.ToContainTextAsync("Share the code");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "class-waiting-room");

        // Tired of waiting, they leave; the page says how to come back, and coming back seats them again. Before, the
        // session answered the room that had closed behind them, and they were out of the class for good.
        await Expect(page.Locator("#leave-class-hint")).ToContainTextAsync(code);
        var left = room.GetProperty("room_code").GetString()!;
        await page.ClickAsync("#leave-room");
        await Expect(page.Locator("#class-form")).ToBeVisibleAsync();
        await page.FillAsync("#class-code", code);
        await page.ClickAsync("#class-submit");
        await Expect(page.Locator("#room-code")).ToBeVisibleAsync();
        await Expect(page.Locator("#room-code")).Not.ToContainTextAsync(left);
        await Expect(page.Locator("#need-three")).ToContainTextAsync("Classmates who arrive late are seated here");
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// Where voice is required, consent to data use alone is refused at the voice box, the one left to tick: the server
    /// named consent_version, which has no box, and the page said it in the alert alone.
    /// </summary>
    [Fact]
    public async Task A_student_who_leaves_voice_unticked_where_voice_is_required_is_told_at_the_voice_box()
    {
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), Ct);
        var session = await HttpAssert.OkAsync<JsonElement>(
            await facilitator.PostAsync("/sessions", new { title = "Voice class", topic = RoomKit.Topic, voice = "required" }, Ct), System.Net.HttpStatusCode.Created);
        var page = await ClientFlows.SignInGuestAsync(() => browser.NewPageAsync(), "Vera", voiceConsent: false);
        await page.FillAsync("#class-code", SessionKit.Code(session));
        await page.ClickAsync("#class-submit");
        await page.CheckAsync("#class-data-consent");
        await page.ClickAsync("#class-consent-submit");

        await FieldErrors.AssertSaidAtAsync(page, "#class-voice-consent", "consent_required",
            "This class session needs your consent to data use, and to voice recording when it asks for voice: tick what it needs.", notAt: "#class-data-consent");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_code_no_session_has_is_refused_in_the_lobby_and_the_page_stays_there()
    {
        var page = await ClientFlows.SignInGuestAsync(() => browser.NewPageAsync(), "Dee", dataConsent: true);
        await page.FillAsync("#class-code", "ZZZZZZZZZZ");
        await page.ClickAsync("#class-submit");

        await Expect(page.Locator("#error")).ToHaveAttributeAsync("data-code", "session_not_found");
        await Expect(page.Locator("#class-form")).ToBeVisibleAsync();
        var stored = await page.EvaluateAsync<string?>("() => sessionStorage.getItem('dilemma.class_session')");
        Assert.Null(stored);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_student_who_goes_back_while_waiting_leaves_the_pool_so_the_start_does_not_seat_them()
    {
        var (page, poolSize) = await WaitingInAClassAsync("Uma");

        await page.ClickAsync("#class-back");

        // The lobby is drawn once the pool has let them go; before, they stayed in it, to be seated and never come.
        await Expect(page.Locator("#create-form")).ToBeVisibleAsync();
        Assert.Equal(0, await poolSize());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_student_who_signs_out_while_waiting_leaves_the_pool_too()
    {
        var (page, poolSize) = await WaitingInAClassAsync("Ugo");

        await page.ClickAsync("#sign-out");

        // The page is signed out at once and lets the pool go on its way (the logout waits for that, as it ends the token).
        await Expect(page.Locator("#guest-nickname")).ToBeVisibleAsync();
        await Eventually.UntilAsync(async () => await poolSize() == 0, TimeSpan.FromSeconds(10), "the signed-out student to leave the pool", Ct);
        await page.Context.CloseAsync();
    }

    /// <summary>A guest's page enrolled in a new class session and waiting for its start, and how many its pool holds (one: them).</summary>
    private async Task<(IPage Page, Func<Task<int>> PoolSize)> WaitingInAClassAsync(string name)
    {
        var (page, facilitator, code) = await StudentWaitingAsync(name, () => browser.NewPageAsync(), choiceSeconds: null);
        async Task<int> PoolAsync() => (await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}", Ct))).GetProperty("pool").GetArrayLength();
        Assert.Equal(1, await PoolAsync());
        return (page, PoolAsync);
    }

    /// <summary>A guest on a 375 px phone, enrolled by the code in a new session (ten minutes to choose) and waiting for its start.</summary>
    [Fact]
    public async Task A_student_reloading_as_the_facilitator_pauses_comes_back_to_the_pause_and_resumes_with_the_others()
    {
        var (page, facilitator, code) = await StudentWaitingAsync("Rei", () => browser.NewPageAsync(), choiceSeconds: 600);
        await SessionKit.EnrolledAsync(browser.Client, code, 2, Ct);
        var room = SessionKit.Rooms(await SessionKit.StartAsync(facilitator, code, Ct))[0].GetProperty("room_code").GetString()!;
        await Expect(page.Locator("#choice-submit")).ToBeEnabledAsync();

        // The reloaded page reads the room running, and its sockets are held until the pause has landed: the push of the
        // pause went to sockets the page no longer had, and the room it drew says nothing of it.
        var ticketAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync("**/auth/ws-ticket", async route =>
        {
            ticketAsked.TrySetResult();
            await paused.Task;
            await route.ContinueAsync();
        });
        var reload = page.ReloadAsync();
        await ticketAsked.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        await Expect(page.Locator("#round-timer")).ToHaveAttributeAsync("data-deadline", new System.Text.RegularExpressions.Regex("^20"));
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/pause", new { reason = "a word with the class" }, Ct));
        paused.SetResult();
        await reload;

        await Expect(page.Locator("#paused-notice")).ToContainTextAsync("Your facilitator has paused the game.");
        await Expect(page.Locator("#round-timer")).ToHaveAttributeAsync("data-paused", "true");
        await Expect(page.Locator("#choice-submit")).ToBeDisabledAsync();
        var state = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/rooms/{room}", Ct));
        Assert.True(state.GetProperty("facilitator_paused").GetBoolean());

        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/rooms/{room}/resume", null, Ct));
        await Expect(page.Locator("#paused-notice")).ToHaveCountAsync(0);
        await Expect(page.Locator("#round-timer")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Time left to choose: (10:00|9:[0-5]\\d)$"));
        await Expect(page.Locator("#choice-submit")).ToBeEnabledAsync();
        await page.Context.CloseAsync();
    }

    private Task<(IPage Page, Player Facilitator, string Code)> PhoneStudentWaitingAsync(string name) =>
        StudentWaitingAsync(name, () => browser.NewPageAsync(375, 740), choiceSeconds: 600);

    private async Task<(IPage Page, Player Facilitator, string Code)> StudentWaitingAsync(string name, Func<Task<IPage>> newPage, int? choiceSeconds)
    {
        var facilitator = await SessionKit.FacilitatorAsync(browser.Client, browser.Services.GetRequiredService<IGrainFactory>(), Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct, choiceSeconds: choiceSeconds));
        var page = await ClientFlows.SignInGuestAsync(newPage, name);
        await page.FillAsync("#class-code", code);
        await page.ClickAsync("#class-submit");
        await Expect(page.Locator("#class-status")).ToHaveAttributeAsync("data-status", "waiting");
        return (page, facilitator, code);
    }
}
