using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>Three browsers play through the UI only, against a real gateway on Kestrel.</summary>
public class ClientGameTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Three_browsers_play_a_whole_game_through_the_page()
    {
        var (pages, code) = await SeatThreePlayersAsync("Game");
        var (host, others) = (pages[0], pages[1..]);

        // Everyone sees everyone in the waiting room, live.
        foreach (var page in pages)
        {
            await Expect(page.Locator("#participants li")).ToHaveCountAsync(3);
        }

        await ScreenCheck.AssertAccessibleAsync(host, "waiting-room");
        await host.ClickAsync("#assign-random");
        await Expect(host.Locator("#start-game")).ToBeEnabledAsync();
        await host.ClickAsync("#start-game");

        for (var round = 1; round <= 5; round++)
        {
            foreach (var page in pages)
            {
                await Expect(page.Locator("#round-title")).ToContainTextAsync($"Round {round} of 5");
                await Expect(page.Locator("#my-role")).ToContainTextAsync("Your role: ");
                await Expect(page.Locator("#dilemma-text")).Not.ToBeEmptyAsync();
                await Expect(page.Locator("#role-context")).Not.ToBeEmptyAsync();
            }

            for (var i = 0; i < pages.Length; i++)
            {
                var page = pages[i];
                await page.CheckAsync($"#choice-{(i + round) % 2}");
                await page.CheckAsync($"#confidence-{1 + ((i + round) % 5)}");
                if (round == 1 && i == 0)
                {
                    // A double click sends one submission (same submission_id; the button is busy after the first).
                    await page.DblClickAsync("#choice-submit");
                }
                else
                {
                    await page.ClickAsync("#choice-submit");
                }

                await Expect(page.Locator("#choice-recorded")).ToBeVisibleAsync();
            }

            if (round == 1)
            {
                await Expect(host.Locator("#consensus-submit")).ToBeVisibleAsync();
                await ScreenCheck.AssertAccessibleAsync(host, "round");
            }

            foreach (var page in pages)
            {
                await Expect(page.Locator("#chosen-count")).ToHaveTextAsync("3 of 3 have chosen");
                await Expect(page.Locator("#chosen-list .tag.ok")).ToHaveCountAsync(3);
            }

            foreach (var page in others)
            {
                await Expect(page.Locator("#consensus-wait")).ToBeVisibleAsync();
                await Expect(page.Locator("#consensus-submit")).ToHaveCountAsync(0);
            }

            await host.CheckAsync("#consensus-1");
            await host.CheckAsync("#consensus-confidence-4");
            await host.ClickAsync("#consensus-submit");

            foreach (var page in pages)
            {
                await Expect(page.Locator("#past-list li")).ToHaveCountAsync(round);
            }
        }

        foreach (var page in pages)
        {
            await Expect(page.Locator("#room-phase")).ToHaveTextAsync("Finished");
            await Expect(page.Locator("#statistics svg.chart")).ToHaveCountAsync(3);
            await Expect(page.Locator("#chart-distribution rect.bar.consensus")).ToHaveCountAsync(5);
        }

        // The numbers are a click away, in a table.
        await host.ClickAsync("#stats-summary");
        await Expect(host.Locator("#stats-table")).ToBeVisibleAsync();
        await Expect(host.Locator("#confidence-table tbody tr")).ToHaveCountAsync(5);
        await Expect(host.Locator("#confidence-table tbody tr").First).ToContainTextAsync("4");

        await host.ClickAsync("#feedback-load");
        await Expect(host.Locator("#feedback-text")).ToBeVisibleAsync();
        await Expect(host.Locator("#feedback-text p")).Not.ToBeEmptyAsync();
        await ScreenCheck.AssertAccessibleAsync(host, "statistics");

        // The same screen in Korean: every label comes from the language switch.
        await host.SelectOptionAsync("#lang-select", "ko");
        await Expect(host.Locator("#room-phase")).ToHaveTextAsync("끝남");
        await ScreenCheck.AssertAccessibleAsync(host, "statistics");

        // The double click of round 1 was recorded once: one revision.
        var revisions = await host.EvaluateAsync<int[]>(
            "async code => { const s = JSON.parse(sessionStorage.getItem('dilemma.session')); " +
            "const r = await fetch(`/rooms/${code}/statistics`, { headers: { Authorization: `Bearer ${s.access_token}` } }); " +
            "const stats = await r.json(); return stats.rounds[0].choices.filter(c => c.user_id === s.user_id).map(c => c.revision); }",
            code);
        Assert.Equal([1], revisions);

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

    private Task<(IPage[] Pages, string Code)> SeatThreePlayersAsync(string name) =>
        ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), name);
}
