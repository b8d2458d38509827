using System.Text.RegularExpressions;
using Dilemma.Tests.Accounts;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>The steps many browser tests begin with, through the UI only.</summary>
internal static partial class ClientFlows
{
    /// <summary>An account signs in with its password (English); done once the lobby has drawn its lists, so typing is not wiped.</summary>
    public static async Task<IPage> SignInAccountAsync(Func<Task<IPage>> newPage, string username)
    {
        var page = await newPage();
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", "en");
        await page.FillAsync("#account-username", username);
        await page.FillAsync("#account-password", Roles.Password);
        await page.ClickAsync("#login-submit");
        // As for guests: the first sign-in of a run can meet a gateway still compiling beside other fixtures.
        await Expect(page.Locator("#create-topic input").First).ToBeAttachedAsync(new() { Timeout = 60_000 });
        return page;
    }

    /// <summary>A guest (English) signed in, in the lobby, with the consents to research and to voice recording as asked.</summary>
    public static async Task<IPage> SignInGuestAsync(Func<Task<IPage>> newPage, string nickname, bool dataConsent = true, bool voiceConsent = true)
    {
        var page = await newPage();
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#lang-select", "en");
        await page.FillAsync("#guest-nickname", nickname);
        if (dataConsent)
        {
            await page.CheckAsync("#data-consent");
        }

        if (voiceConsent)
        {
            await page.CheckAsync("#voice-consent");
        }

        await page.ClickAsync("#guest-submit");
        // The first sign-in of a test run can meet a gateway still compiling while other fixtures start beside it.
        await Expect(page.Locator("#create-form")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        // The lobby's lists have arrived (the topic select is filled) before the form is used.
        await Expect(page.Locator("#create-topic input").First).ToBeAttachedAsync();
        return page;
    }

    /// <summary>Three guests (English), the first creates a private room (with its <c>on_dropout</c> if given), the others join by its code.</summary>
    public static async Task<(IPage[] Pages, string Code)> SeatThreePlayersAsync(Func<Task<IPage>> newPage, string name, int? choiceSeconds = null, string? onDropout = null)
    {
        var pages = new IPage[3];
        for (var i = 0; i < pages.Length; i++)
        {
            pages[i] = await SignInGuestAsync(newPage, $"{name}{i + 1}");
        }

        await pages[0].FillAsync("#create-title", $"{name} room");
        await pages[0].CheckAsync("#visibility-private");
        if (choiceSeconds is { } seconds)
        {
            await pages[0].FillAsync("#create-choice-seconds", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (onDropout is not null)
        {
            await pages[0].CheckAsync($"#create-on-dropout input[value={onDropout}]");
        }

        await pages[0].ClickAsync("#create-submit");
        await Expect(pages[0].Locator("#room-code")).ToHaveTextAsync(RoomCode());
        var code = RoomCode().Match(await pages[0].Locator("#room-code").InnerTextAsync()).Groups["code"].Value;

        foreach (var page in pages[1..])
        {
            await page.FillAsync("#join-code", code);
            await page.ClickAsync("#code-submit");
            await Expect(page.Locator("#room-code")).ToHaveTextAsync($"Room code {code}");
        }

        return (pages, code);
    }

    /// <summary>Every label of the statistics charts lies inside its picture (the sureness chart cut its last round's in half).</summary>
    public static async Task AssertChartLabelsInsideAsync(IPage page)
    {
        var clipped = await page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('#statistics svg.chart')].flatMap(chart => { const view = chart.viewBox.baseVal; " +
            "return [...chart.querySelectorAll('text')].filter(label => { const box = label.getBBox(); " +
            "return box.x < view.x || box.y < view.y || box.x + box.width > view.x + view.width || box.y + box.height > view.y + view.height; })" +
            ".map(label => `${chart.id}: ${label.textContent}`); })");
        Assert.Empty(clipped);
    }

    /// <summary>
    /// A whole game through the UI: the host assigns roles and starts, all choose in every round (the host once with a
    /// double click), the host enters the consensus, and everyone ends on the statistics and the AI feedback.
    /// <paramref name="scan"/> runs the accessibility scan and screenshot of each screen on the way.
    /// </summary>
    public static async Task PlayWholeGameAsync(IPage[] pages, string code, bool scan)
    {
        var host = pages[0];
        await StartGameAsync(pages, scan);

        for (var round = 1; round <= 5; round++)
        {
            await PlayRoundAsync(pages, round, scan);
        }

        foreach (var page in pages)
        {
            await Expect(page.Locator("#room-phase")).ToHaveTextAsync("Finished");
            await Expect(page.Locator("#statistics svg.chart")).ToHaveCountAsync(3);
            // The decision is the outlined, marked bar (a green bar read as a separate "group" count), one a round.
            await Expect(page.Locator("#chart-distribution rect.bar.decided")).ToHaveCountAsync(5);
            await Expect(page.Locator("#chart-distribution .decided-mark")).ToHaveCountAsync(5);
            await Expect(page.Locator("#chart-distribution rect.bar.consensus")).ToHaveCountAsync(0);
            // Individual sureness as dots, the group's as squares under them: equal values no longer hide one line.
            await Expect(page.Locator("#chart-confidence circle.dot")).ToHaveCountAsync(5);
            await Expect(page.Locator("#chart-confidence rect.mark.consensus")).ToHaveCountAsync(5);
        }

        await AssertChartLabelsInsideAsync(host);

        // The numbers are a click away, in a table.
        await host.ClickAsync("#stats-summary");
        await Expect(host.Locator("#stats-table")).ToBeVisibleAsync();
        await Expect(host.Locator("#confidence-table tbody tr")).ToHaveCountAsync(5);
        await Expect(host.Locator("#confidence-table tbody tr").First).ToContainTextAsync("4");

        await host.ClickAsync("#feedback-load");
        await Expect(host.Locator("#feedback-text")).ToBeVisibleAsync();
        await Expect(host.Locator("#feedback-text p")).ToHaveTextAsync(EnglishText());
        await Expect(host.Locator("#feedback-text p")).ToContainTextAsync("Over 5 rounds:");

        // The summary is said once, not again as the first point under it.
        var summary = await host.Locator("#feedback-text p").InnerTextAsync();
        Assert.DoesNotContain(summary, await host.Locator("#feedback-text li").AllInnerTextsAsync());

        // The feedback's redraws left the table the reader opened open.
        await Expect(host.Locator("#stats-table")).ToBeVisibleAsync();
        await ScanAsync(scan, host, "statistics");

        // The same screen in Korean: every label comes from the language switch.
        await host.SelectOptionAsync("#lang-select", "ko");
        await Expect(host.Locator("#room-phase")).ToHaveTextAsync("끝남");
        await AssertChartLabelsInsideAsync(host);

        // The feedback loaded in English follows the switch too.
        await Expect(host.Locator("#feedback-text p")).ToHaveTextAsync(KoreanText());

        // The double click of round 1 was recorded once: one revision.
        var revisions = await FirstRoundRevisionsAsync(host, code);
        Assert.Equal([1], revisions);
    }

    /// <summary>The revisions recorded of the page's player's round 1 choice, from the room's statistics (round 1 decided).</summary>
    public static Task<int[]> FirstRoundRevisionsAsync(IPage page, string code) =>
        page.EvaluateAsync<int[]>(
            "async code => { const s = JSON.parse(sessionStorage.getItem('dilemma.session')); " +
            "const r = await fetch(`/rooms/${code}/statistics`, { headers: { Authorization: `Bearer ${s.access_token}` } }); " +
            "const stats = await r.json(); return stats.rounds[0].choices.filter(c => c.user_id === s.user_id).map(c => c.revision); }",
            code);

    /// <summary>The host assigns roles at random and starts; the game is then on round 1 on every page.</summary>
    public static async Task StartGameAsync(IPage[] pages, bool scan)
    {
        // Everyone sees everyone in the waiting room, live.
        foreach (var page in pages)
        {
            await Expect(page.Locator("#participants li")).ToHaveCountAsync(3);
        }

        // No seat has a role yet: each pick says so (it showed the first role, "everyone is Caregiver"), and the greyed-out
        // Start says why.
        var picks = pages[0].Locator("#participants select");
        await Expect(picks).ToHaveCountAsync(3);
        for (var i = 0; i < 3; i++)
        {
            await Expect(picks.Nth(i)).ToHaveValueAsync("0");
            await Expect(picks.Nth(i).Locator("option:checked")).ToHaveTextAsync("Choose a role");
        }

        // The host's own row: their name, then "you" and "host", apart ("Game1you host").
        var gaps = await pages[0].EvaluateAsync<double[]>(
            "() => { const items = [...document.querySelector('#participants li .name-tags').children]; " +
            "return items.slice(1).map((item, i) => item.getBoundingClientRect().left - items[i].getBoundingClientRect().right); }");
        Assert.Equal(2, gaps.Length);
        Assert.All(gaps, gap => Assert.True(gap >= 4, $"A tag is {gap} px from what it follows in the host's row."));
        await Expect(pages[0].Locator("#start-game")).ToBeDisabledAsync();
        await Expect(pages[0].Locator("#start-game")).ToHaveAccessibleDescriptionAsync(new Regex("^The game starts once each of the three has a role"));
        await ScanAsync(scan, pages[0], "waiting-room");
        await pages[0].ClickAsync("#assign-random");
        await ExpectStartableAsync(pages[0]);
        await Expect(pages[0].Locator("#start-hint")).ToHaveCountAsync(0);
        await pages[0].ClickAsync("#start-game");
    }

    /// <summary>
    /// One round through the UI: everyone sees the dilemma, chooses (the host of round 1 with a double click),
    /// sees that all have chosen but not what, and the host enters the consensus.
    /// </summary>
    public static async Task PlayRoundAsync(IPage[] pages, int round, bool scan)
    {
        var (host, others) = (pages[0], pages[1..]);
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
            // The sureness legend is as wide as its words: stretched to the full width, it cut the fieldset's top border away.
            var widths = await host.EvaluateAsync<double[]>(
                "() => { const group = document.getElementById('confidence-group'); return [group.querySelector('legend').getBoundingClientRect().width, group.getBoundingClientRect().width]; }");
            Assert.True(widths[0] < widths[1] * 0.8, $"The sureness legend is {widths[0]} px wide in a {widths[1]} px fieldset: it hides the top border.");
            await Expect(host.Locator("#consensus-submit")).ToBeVisibleAsync();
            await ScanAsync(scan, host, "round");
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

    /// <summary>Start becomes possible once the roles are in; if not, the failure says what the page's alert said.</summary>
    private static async Task ExpectStartableAsync(IPage host)
    {
        try
        {
            await Expect(host.Locator("#start-game")).ToBeEnabledAsync();
        }
        catch (PlaywrightException e)
        {
            var alerts = await host.Locator("#error").AllInnerTextsAsync();
            var roles = await host.Locator("#participants").InnerTextAsync();
            throw new Xunit.Sdk.XunitException($"The host could not start after assigning roles. Alert: '{string.Join(" | ", alerts)}'; participants: {roles}", e);
        }
    }

    private static Task ScanAsync(bool scan, IPage page, string screen) => scan ? ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, screen) : Task.CompletedTask;

    [GeneratedRegex(@"Room code (?<code>\d{6})")]
    private static partial Regex RoomCode();

    // A text in English has Latin letters and no Hangul syllable; one in Korean has Hangul.
    [GeneratedRegex(@"^[^\uAC00-\uD7A3]*[A-Za-z][^\uAC00-\uD7A3]*$")]
    private static partial Regex EnglishText();

    [GeneratedRegex(@"[\uAC00-\uD7A3]")]
    private static partial Regex KoreanText();
}
