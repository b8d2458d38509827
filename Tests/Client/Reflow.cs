using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>
/// WCAG 1.4.10 and 1.4.12 on a screen as it is shown: no sideways scrolling of the page (a wide table scrolls in its own
/// region), and no text cut off by a box too small for it, at 320 CSS px (400% zoom of 1280) and with the text spacing a
/// reader may set in their own style sheet.
/// </summary>
internal static class Reflow
{
    /// <summary>
    /// The spacing of WCAG 1.4.12: line height 1.5, paragraphs 2em apart, letters 0.12em and words 0.16em. Put in as rules
    /// of the page's own style sheet: its Content-Security-Policy refuses an added style element, as it would a reader's.
    /// </summary>
    private static readonly string[] TextSpacing =
    [
        "* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }",
        "p { margin-bottom: 2em !important; }",
    ];

    /// <summary>Whether the page's content is as wide as its viewport: no sideways scrolling, at 320 px or 200% zoom.</summary>
    public static async Task AssertNoSidewaysScrollAsync(IPage page, string screen)
    {
        var widths = await page.EvaluateAsync<int[]>("[document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        Assert.True(widths[0] <= widths[1], $"The {screen} screen is {widths[0]} px wide in a {widths[1]} px viewport: it scrolls sideways.");
    }

    /// <summary>
    /// The elements that cut off their text, each named (tag, id, classes) with the size it needs and the size it has:
    /// those that hide their overflow and hold more than their box (a region that scrolls, overflow auto or scroll, does
    /// not cut off), and selects.
    /// A select shows its chosen option in a box that clips it whatever its overflow says, and its scrollWidth does not
    /// grow with the text: its need is measured on a copy holding one option alone, sized to fit it (the width the
    /// browser gives a select of its own accord: the text, the padding and the arrow), in the same place and style. Each
    /// option is measured, not only the one chosen now: any of them is cut off once a reader chooses it.
    /// </summary>
    public static Task<string[]> ClippedTextAsync(IPage page) => page.EvaluateAsync<string[]>(
        """
        () => {
          const named = (element, size) => `${element.tagName.toLowerCase()}${element.id ? '#' + element.id : ''}`
            + `${element.className ? '.' + String(element.className).split(' ').join('.') : ''} (${size})`;
          const shown = (element) => element.getClientRects().length > 0 && getComputedStyle(element).visibility !== 'hidden';
          const selects = [...document.querySelectorAll('body select')].filter((select) => shown(select) && select.options.length > 0).flatMap((select) => {
            const needs = [...select.options].map((option) => {
              const copy = select.cloneNode(false);
              copy.removeAttribute('id');
              copy.append(option.cloneNode(true));
              copy.style.position = 'absolute';
              copy.style.visibility = 'hidden';
              copy.style.width = 'auto';
              copy.style.minWidth = '0';
              copy.style.maxWidth = 'none';
              select.after(copy);
              const need = copy.getBoundingClientRect().width;
              copy.remove();
              return { need, text: option.textContent };
            });
            const widest = needs.reduce((a, b) => (b.need > a.need ? b : a));
            const has = select.getBoundingClientRect().width;
            // One pixel of rounding is not a letter cut off.
            return widest.need > has + 1 ? [named(select, `its choice "${widest.text}" needs ${Math.ceil(widest.need)} px, has ${Math.floor(has)}`)] : [];
          });
          const boxes = [...document.querySelectorAll('body *')].filter((element) => {
            const style = getComputedStyle(element);
            const hides = (overflow) => overflow === 'hidden' || overflow === 'clip';
            // Text hidden for the eye on purpose (a 1 px box for a screen reader, .visually-hidden) is not cut off.
            const hiddenOnPurpose = element.clientWidth <= 1 && element.clientHeight <= 1;
            if (!(hides(style.overflowX) || hides(style.overflowY)) || !element.textContent.trim() || element.getClientRects().length === 0 || hiddenOnPurpose) {
              return false;
            }
            return (hides(style.overflowX) && element.scrollWidth > element.clientWidth + 1)
              || (hides(style.overflowY) && element.scrollHeight > element.clientHeight + 1);
          }).map((element) => named(element, `${element.scrollWidth}x${element.scrollHeight} in ${element.clientWidth}x${element.clientHeight}`));
          return [...selects, ...boxes];
        }
        """);

    /// <summary>
    /// The screen now shown, on a page 320 px wide, in English and in Korean (whose words are set apart differently and
    /// whose labels are of other lengths): no sideways scrolling, no text cut off, axe passing; then the same with WCAG's
    /// text spacing, taken off again afterwards. The page goes back to the language it was in, so the flow goes on as it was.
    /// What is wrong is said for both languages at once.
    /// </summary>
    public static async Task AssertReflowsAsync(IPage page, string screen)
    {
        Assert.Equal(320, await page.EvaluateAsync<int>("window.innerWidth"));
        var was = await page.EvaluateAsync<string>("document.documentElement.lang");
        var problems = new List<string>();
        foreach (var lang in new[] { "en", "ko" })
        {
            await page.SelectOptionAsync("#lang-select", lang);
            await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", lang);
            problems.AddRange(await ProblemsAsync(page, $"{screen} ({lang})"));
            await ScreenCheck.AssertAccessibleAsync(page, $"reflow-{screen}");
            await page.EvaluateAsync("rules => { const sheet = document.styleSheets[0]; for (const rule of rules) sheet.insertRule(rule, sheet.cssRules.length); }", TextSpacing);
            try
            {
                problems.AddRange(await ProblemsAsync(page, $"{screen} ({lang}, text spacing)"));
                await ScreenCheck.AssertAccessibleAsync(page, $"spacing-{screen}");
            }
            finally
            {
                await page.EvaluateAsync("count => { const sheet = document.styleSheets[0]; for (let i = 0; i < count; i++) sheet.deleteRule(sheet.cssRules.length - 1); }", TextSpacing.Length);
            }
        }

        await page.SelectOptionAsync("#lang-select", was);
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", was);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    /// <summary>What keeps the screen from reflowing as it is now shown: sideways scrolling, text cut off.</summary>
    private static async Task<IEnumerable<string>> ProblemsAsync(IPage page, string screen)
    {
        var widths = await page.EvaluateAsync<int[]>("[document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        var clipped = await ClippedTextAsync(page);
        return (widths[0] > widths[1] ? [$"The {screen} screen is {widths[0]} px wide in a {widths[1]} px viewport: it scrolls sideways."] : Array.Empty<string>())
            .Concat(clipped.Length > 0 ? [$"The {screen} screen cuts off text at: {string.Join(", ", clipped)}"] : Array.Empty<string>());
    }
}
