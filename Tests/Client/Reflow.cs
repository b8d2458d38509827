using Microsoft.Playwright;

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
    /// Whether no element that hides its overflow holds text it has no room for (its content larger than its box): such
    /// text is cut off, not scrolled to. A region that scrolls (overflow auto or scroll) is not clipping.
    /// </summary>
    public static async Task AssertNoClippedTextAsync(IPage page, string screen)
    {
        var clipped = await ClippedTextAsync(page);
        Assert.True(clipped.Length == 0, $"The {screen} screen cuts off text at: {string.Join(", ", clipped)}");
    }

    /// <summary>
    /// The elements that cut off their text, each named (tag, id, classes) with the size it needs and the size it has.
    /// A select shows its chosen option in a box that clips it whatever its overflow says, and its scrollWidth does not
    /// grow with the text: its need is measured on a copy holding that option alone, sized to fit it (the width the
    /// browser gives a select of its own accord: the text, the padding and the arrow), in the same place and style.
    /// </summary>
    public static Task<string[]> ClippedTextAsync(IPage page) => page.EvaluateAsync<string[]>(
        """
        () => {
          const named = (element, size) => `${element.tagName.toLowerCase()}${element.id ? '#' + element.id : ''}`
            + `${element.className ? '.' + String(element.className).split(' ').join('.') : ''} (${size})`;
          const shown = (element) => element.getClientRects().length > 0 && getComputedStyle(element).visibility !== 'hidden';
          const selects = [...document.querySelectorAll('body select')].filter((select) => shown(select) && select.selectedOptions.length > 0).flatMap((select) => {
            const copy = select.cloneNode(false);
            copy.removeAttribute('id');
            copy.append(select.selectedOptions[0].cloneNode(true));
            copy.style.position = 'absolute';
            copy.style.visibility = 'hidden';
            copy.style.width = 'auto';
            copy.style.minWidth = '0';
            copy.style.maxWidth = 'none';
            select.after(copy);
            const need = copy.getBoundingClientRect().width;
            copy.remove();
            const has = select.getBoundingClientRect().width;
            // One pixel of rounding is not a letter cut off.
            return need > has + 1 ? [named(select, `its choice needs ${Math.ceil(need)} px, has ${Math.floor(has)}`)] : [];
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
    /// The screen now shown, on a page 320 px wide: no sideways scrolling, no text cut off, axe passing; then the same
    /// with WCAG's text spacing, taken off again afterwards so the flow goes on as it was.
    /// </summary>
    public static async Task AssertReflowsAsync(IPage page, string screen)
    {
        Assert.Equal(320, await page.EvaluateAsync<int>("window.innerWidth"));
        await AssertNoSidewaysScrollAsync(page, screen);
        await AssertNoClippedTextAsync(page, screen);
        await ScreenCheck.AssertAccessibleAsync(page, $"reflow-{screen}");
        await page.EvaluateAsync("rules => { const sheet = document.styleSheets[0]; for (const rule of rules) sheet.insertRule(rule, sheet.cssRules.length); }", TextSpacing);
        try
        {
            await AssertNoSidewaysScrollAsync(page, $"{screen} (text spacing)");
            await AssertNoClippedTextAsync(page, $"{screen} (text spacing)");
            await ScreenCheck.AssertAccessibleAsync(page, $"spacing-{screen}");
        }
        finally
        {
            await page.EvaluateAsync("count => { const sheet = document.styleSheets[0]; for (let i = 0; i < count; i++) sheet.deleteRule(sheet.cssRules.length - 1); }", TextSpacing.Length);
        }
    }
}
