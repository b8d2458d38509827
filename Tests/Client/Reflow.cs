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
        var clipped = await page.EvaluateAsync<string[]>(
            """
            () => [...document.querySelectorAll('body *')].filter((element) => {
              const style = getComputedStyle(element);
              const hides = (overflow) => overflow === 'hidden' || overflow === 'clip';
              // Text hidden for the eye on purpose (a 1 px box for a screen reader, .visually-hidden) is not cut off.
              const hiddenOnPurpose = element.clientWidth <= 1 && element.clientHeight <= 1;
              if (!(hides(style.overflowX) || hides(style.overflowY)) || !element.textContent.trim() || element.getClientRects().length === 0 || hiddenOnPurpose) {
                return false;
              }
              // One pixel of rounding is not a letter cut off.
              return (hides(style.overflowX) && element.scrollWidth > element.clientWidth + 1)
                || (hides(style.overflowY) && element.scrollHeight > element.clientHeight + 1);
            }).map((element) => `${element.tagName.toLowerCase()}${element.id ? '#' + element.id : ''}${element.className ? '.' + String(element.className).split(' ').join('.') : ''}`
              + ` (${element.scrollWidth}x${element.scrollHeight} in ${element.clientWidth}x${element.clientHeight})`)
            """);
        Assert.True(clipped.Length == 0, $"The {screen} screen cuts off text at: {string.Join(", ", clipped)}");
    }

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
