using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>Three browsers play through the UI only, against a real gateway on Kestrel.</summary>
public partial class ClientGameTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Three_browsers_play_a_whole_game_through_the_page()
    {
        var (pages, code) = await SeatThreePlayersAsync("Game");
        await ClientFlows.PlayWholeGameAsync(pages, code, scan: true);

        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_round_timer_set_at_creation_counts_down_on_every_page_in_both_languages()
    {
        var (pages, _) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Timer", choiceSeconds: 600);
        await pages[0].ClickAsync("#assign-random");
        await Expect(pages[0].Locator("#start-game")).ToBeEnabledAsync();
        await pages[0].ClickAsync("#start-game");

        // Ten minutes from the server's deadline_at, counted down each second without drawing the screen again.
        foreach (var page in pages)
        {
            var timer = page.Locator("#round-timer");
            await Expect(timer).ToHaveTextAsync(ChoiceTimerEnglish());
            var first = await timer.InnerTextAsync();
            await Expect(timer).Not.ToHaveTextAsync(first, new() { Timeout = 5_000 });
            await Expect(timer).ToHaveAttributeAsync("role", "timer");
        }

        // A half-made choice survives the ticks.
        await pages[1].CheckAsync("#choice-1");
        var shown = await pages[1].Locator("#round-timer").InnerTextAsync();
        await Expect(pages[1].Locator("#round-timer")).Not.ToHaveTextAsync(shown, new() { Timeout = 5_000 });
        await Expect(pages[1].Locator("#choice-1")).ToBeCheckedAsync();

        await pages[2].SelectOptionAsync("#lang-select", "ko");
        await Expect(pages[2].Locator("#round-timer")).ToHaveTextAsync(ChoiceTimerKorean());

        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Three_browsers_connect_their_voice_links_and_can_mute()
    {
        var (pages, _) = await SeatThreePlayersAsync("Voice");

        foreach (var page in pages)
        {
            await Expect(page.Locator("#links li")).ToHaveCountAsync(2);
            await Expect(page.Locator("#links li[data-state=connected], #links li[data-state=relayed]")).ToHaveCountAsync(2, new() { Timeout = 45_000 });
        }

        // A link's row has two sides, who (with their speaking tag) and the link's state at its end: the speaking tag was a
        // third child of the spaced-out row, and the state jumped to the middle whenever the peer spoke.
        var sides = await pages[0].Locator("#links li").First.EvaluateAsync<string[]>(
            "li => [...li.children].filter((child) => !child.classList.contains('visually-hidden')).map((child) => child.className)");
        Assert.Equal(["name-tags", "tag ok"], sides);

        var mute = pages[0].Locator("#mute");
        await Expect(mute).ToHaveAttributeAsync("aria-pressed", "false");
        await mute.ClickAsync();
        await Expect(pages[0].Locator("#mute")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(pages[0].Locator("#mic-state")).ToHaveTextAsync("Your microphone is off");

        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_player_who_reloads_mid_round_continues_and_the_voice_links_come_back()
    {
        var (pages, code) = await SeatThreePlayersAsync("Reload");
        await pages[0].ClickAsync("#assign-random");
        await Expect(pages[0].Locator("#start-game")).ToBeEnabledAsync();
        await pages[0].ClickAsync("#start-game");
        await pages[0].CheckAsync("#choice-0");
        await pages[0].CheckAsync("#confidence-3");
        await pages[0].ClickAsync("#choice-submit");
        await Expect(pages[2].Locator("#chosen-count")).ToHaveTextAsync("1 of 3 have chosen");

        await pages[2].ReloadAsync();

        // Back in the same room and round, with what the others did meanwhile; nobody else reloaded.
        await Expect(pages[2].Locator("#room-code")).ToHaveTextAsync($"Room code {code}");
        await Expect(pages[2].Locator("#round-title")).ToContainTextAsync("Round 1 of 5");
        await Expect(pages[2].Locator("#chosen-count")).ToHaveTextAsync("1 of 3 have chosen");
        foreach (var page in pages)
        {
            await Expect(page.Locator("#links li[data-state=connected], #links li[data-state=relayed]")).ToHaveCountAsync(2, new() { Timeout = 45_000 });
        }

        foreach (var page in pages[1..])
        {
            await page.CheckAsync("#choice-1");
            await page.CheckAsync("#confidence-5");
            await page.ClickAsync("#choice-submit");
        }

        foreach (var page in pages)
        {
            await Expect(page.Locator("#chosen-count")).ToHaveTextAsync("3 of 3 have chosen");
            await page.Context.CloseAsync();
        }
    }

    /// <summary>
    /// The page redraws on every update (a peer's socket, a choice counted). Replacing its elements swapped the button
    /// under the pointer between mousedown and mouseup, and the host's click on "assign roles" was lost (the reload test,
    /// on a busy machine). Elements that stay are now the same elements, and their listeners are the new ones.
    /// </summary>
    [Fact]
    public async Task A_redraw_keeps_the_elements_that_stay_so_a_click_in_flight_is_not_lost()
    {
        var (pages, code) = await SeatThreePlayersAsync("Redraw");
        var host = pages[0];
        string[] kept = ["room-code", "participants", "leave-room", "voice"];
        await host.EvaluateAsync("ids => ids.forEach((id) => { document.getElementById(id).keptFromBefore = true; })", kept);

        await pages[2].ClickAsync("#leave-room");
        await Expect(host.Locator("#participants li")).ToHaveCountAsync(2);
        await pages[2].FillAsync("#join-code", code);
        await pages[2].ClickAsync("#code-submit");
        await Expect(host.Locator("#participants li")).ToHaveCountAsync(3);

        var replaced = await host.EvaluateAsync<string[]>("ids => ids.filter((id) => document.getElementById(id).keptFromBefore !== true)", kept);
        Assert.Empty(replaced);

        // The kept elements answer with the handlers of the latest drawing.
        await host.ClickAsync("#assign-random");
        await Expect(host.Locator("#start-game")).ToBeEnabledAsync();
        await host.ClickAsync("#start-game");
        foreach (var page in pages)
        {
            await Expect(page.Locator("#round-title")).ToContainTextAsync("Round 1 of 5");
            await page.Context.CloseAsync();
        }
    }

    /// <summary>
    /// A page that (re)joins offers as soon as it hears who is in the room, and its offer can reach another page before
    /// that page's peer_joined for it does. The mesh keeps such early signaling for the link it opens next, and answers
    /// it; dropping it left the late page's link waiting for good (the reload test above, on a busy machine).
    /// </summary>
    [Fact]
    public async Task An_offer_that_arrives_before_its_peer_joined_is_answered_once_the_link_opens()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/");
        var answered = await page.EvaluateAsync<string>(
            """
            async () => {
              const main = document.querySelector('script[type=module]').src;
              const { VoiceMesh } = await import(new URL('realtime.js', main).href);
              const mesh = new VoiceMesh('000000', 1, () => {}, () => {});
              await mesh.ready;
              const sent = [];
              mesh.signaling.close();
              mesh.signaling = { send: (message) => sent.push(message), close: () => {} };

              const remote = new RTCPeerConnection();
              remote.addTransceiver('audio');
              await remote.setLocalDescription();
              mesh.handle({ type: 'offer', from: 7, sdp: remote.localDescription.sdp });
              mesh.handle({ type: 'peer_joined', peer_id: 7, nickname: 'late', polite: true });

              const deadline = Date.now() + 10000;
              while (!sent.some((m) => m.type === 'answer' && m.to === 7) && Date.now() < deadline) {
                await new Promise((resolve) => setTimeout(resolve, 50));
              }
              const answer = sent.find((m) => m.type === 'answer' && m.to === 7);
              mesh.close();
              remote.close();
              return answer ? answer.sdp.split('\r\n')[0] : 'no answer';
            }
            """);

        Assert.Equal("v=0", answered);
        await page.Context.CloseAsync();
    }

    private Task<(IPage[] Pages, string Code)> SeatThreePlayersAsync(string name) =>
        ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), name);

    [GeneratedRegex(@"^Time left to choose: (10:00|9:[0-5]\d)$")]
    private static partial Regex ChoiceTimerEnglish();

    [GeneratedRegex(@"^선택까지 남은 시간: (10:00|9:[0-5]\d)$")]
    private static partial Regex ChoiceTimerKorean();
}
