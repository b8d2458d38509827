using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>
/// A page driven from the keyboard alone: Tab, Shift+Tab, Enter, Space and the arrows, never the pointer. Every Tab stop
/// passed on the way is checked for a focus ring that can be seen.
/// </summary>
internal sealed class KeyboardPlayer(IPage page)
{
    /// <summary>More Tab stops than any screen has: a control not reached in this many is not reachable.</summary>
    private const int MostStops = 80;

    private readonly List<string> _unseenFocus = [];

    public IPage Page => page;

    /// <summary>
    /// The Tab stops where the focus had no ring to see (WCAG 1.4.11: 3:1 against the page's white), as "#id" or the tag.
    /// </summary>
    public IReadOnlyList<string> UnseenFocus => _unseenFocus;

    /// <summary>
    /// Presses Tab (Shift+Tab <paramref name="back"/>, for a control above the focus) until <paramref name="selector"/> has
    /// the focus; fails, naming the stops passed, if it never does.
    /// </summary>
    public async Task TabToAsync(string selector, bool back = false)
    {
        // Already there (left there by the last action): a Tab would leave it.
        if (await page.EvaluateAsync<bool>("selector => Boolean(document.activeElement?.matches(selector))", selector))
        {
            return;
        }

        var passed = new List<string>();
        for (var stop = 0; stop < MostStops; stop++)
        {
            await page.Keyboard.PressAsync(back ? "Shift+Tab" : "Tab");
            var focus = await page.EvaluateAsync<FocusStop>(
                """
                selector => {
                  const element = document.activeElement;
                  const style = element ? getComputedStyle(element) : null;
                  // The focus ring's colours (outline, box-shadow) and the best contrast one has against white.
                  const luminance = (colour) => {
                    const [r, g, b] = colour.match(/[\d.]+/g).slice(0, 3).map((v) => Number(v) / 255)
                      .map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
                    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
                  };
                  const colours = style ? [
                    ...(style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 ? [style.outlineColor] : []),
                    ...(style.boxShadow.match(/rgba?\([^)]+\)/g) ?? []),
                  ] : [];
                  const contrast = Math.max(0, ...colours.map((colour) => 1.05 / (luminance(colour) + 0.05)));
                  return {
                    name: element ? (element.id ? `#${element.id}` : element.tagName.toLowerCase()) : 'none',
                    matches: Boolean(element?.matches(selector)),
                    outlined: contrast >= 3,
                  };
                }
                """,
                selector);
            passed.Add(focus.Name);
            if (!focus.Outlined && focus.Name != "body")
            {
                _unseenFocus.Add(focus.Name);
            }

            if (focus.Matches)
            {
                return;
            }
        }

        Assert.Fail($"Tab never reached {selector}; it went through {string.Join(", ", passed)}.");
    }

    /// <summary>Tabs to <paramref name="selector"/> (back, if it is above the focus) and presses Enter on it.</summary>
    public async Task PressAsync(string selector, bool back = false)
    {
        await TabToAsync(selector, back);
        await page.Keyboard.PressAsync("Enter");
    }

    /// <summary>Tabs to a text field and types into it.</summary>
    public async Task TypeAsync(string selector, string text)
    {
        await TabToAsync(selector);
        await page.Keyboard.TypeAsync(text);
    }

    /// <summary>Tabs to a checkbox and ticks it with Space.</summary>
    public async Task TickAsync(string selector)
    {
        await TabToAsync(selector);
        await page.Keyboard.PressAsync("Space");
        await Expect(page.Locator(selector)).ToBeCheckedAsync();
    }

    /// <summary>
    /// Picks <paramref name="value"/> in the radio group <paramref name="name"/>: Tab into the group (one stop), Space on the
    /// first radio if none is checked, then the arrows, as a radio group is used from the keyboard.
    /// </summary>
    public async Task ChooseAsync(string name, int value)
    {
        await TabToAsync($"input[type=radio][name=\"{name}\"]");
        if (await CheckedAsync(name) is null)
        {
            await page.Keyboard.PressAsync("Space");
        }

        for (var step = 0; step < 10 && await CheckedAsync(name) is { } current && current != value; step++)
        {
            await page.Keyboard.PressAsync(current < value ? "ArrowDown" : "ArrowUp");
        }

        await Expect(page.Locator($"input[name=\"{name}\"][value=\"{value}\"]")).ToBeCheckedAsync();
    }

    /// <summary>
    /// Tabs to a select and moves it to <paramref name="value"/> with the arrows, as a closed select is used from the
    /// keyboard (each arrow is a change, as a pick from the list would be).
    /// </summary>
    public async Task SelectAsync(string selector, string value)
    {
        await TabToAsync(selector);
        const string Position = "([selector, value]) => { const select = document.querySelector(selector); return [select.selectedIndex, [...select.options].findIndex((option) => option.value === value)]; }";
        await ArrowToAsync(Position, selector, value);
        await Expect(page.Locator(selector)).ToHaveValueAsync(value);
    }

    /// <summary>
    /// Picks the radio of <paramref name="value"/> in the group <paramref name="name"/> whose values are words (the
    /// console's topics, the students it may move): Tab into the group, whose checked radio is its stop, then the arrows.
    /// </summary>
    public async Task ChooseAsync(string name, string value)
    {
        await TabToAsync($"input[type=radio][name=\"{name}\"]");
        const string Position = "([name, value]) => { const radios = [...document.querySelectorAll(`input[type=radio][name=\"${name}\"]`)]; return [radios.findIndex((radio) => radio.checked), radios.findIndex((radio) => radio.value === value)]; }";
        await ArrowToAsync(Position, name, value);
        await Expect(page.Locator($"input[name=\"{name}\"][value=\"{value}\"]")).ToBeCheckedAsync();
    }

    /// <summary>
    /// Presses the arrows until the choice of <paramref name="where"/> is <paramref name="value"/>. Where the wanted one
    /// stands is read again each step (<paramref name="position"/>: the chosen index and the wanted one): a live update
    /// may redraw the list between two presses.
    /// </summary>
    private async Task ArrowToAsync(string position, string where, string value)
    {
        for (var step = 0; step < 50 && await page.EvaluateAsync<int[]>(position, new[] { where, value }) is [var at, var wanted] && at != wanted; step++)
        {
            Assert.True(wanted >= 0, $"{where} has no option {value}.");
            await page.Keyboard.PressAsync(at < wanted ? "ArrowDown" : "ArrowUp");
        }
    }

    /// <summary>
    /// Whether something other than the page's body has the focus <paramref name="after"/> an action or a live update:
    /// dropped to the body, the next Tab starts again from the top of the page.
    /// </summary>
    public async Task AssertFocusKeptAsync(string after)
    {
        try
        {
            // Waited for, not read once: while an action runs its button is disabled and the focus is briefly nowhere.
            await page.WaitForFunctionAsync("() => document.activeElement && document.activeElement !== document.body", null, new() { Timeout = 5_000 });
        }
        catch (TimeoutException e)
        {
            throw new Xunit.Sdk.XunitException($"The focus fell to the page's body after {after}.", e);
        }
    }

    /// <summary>Whether the page's content is as wide as its viewport: no sideways scrolling, at 320 px or 200% zoom.</summary>
    public Task AssertNoSidewaysScrollAsync(string screen) => Reflow.AssertNoSidewaysScrollAsync(page, screen);

    private Task<int?> CheckedAsync(string name) =>
        page.EvaluateAsync<int?>("name => { const box = document.querySelector(`input[name=\"${name}\"]:checked`); return box ? Number(box.value) : null; }", name);

    /// <summary>Where one Tab press put the focus (a class with setters: Playwright fills a result's properties).</summary>
    private sealed class FocusStop
    {
        public string Name { get; set; } = string.Empty;

        public bool Matches { get; set; }

        public bool Outlined { get; set; }
    }
}

/// <summary>
/// Every text the page's live region was given, not only its last: a screen reader reads each, and the next event can
/// replace one before an assertion polls it.
/// </summary>
internal static class LiveRegion
{
    /// <summary>Starts keeping what #live is given (idempotent).</summary>
    public static Task RecordAsync(IPage page) => page.EvaluateAsync(
        """
        () => {
          if (window.liveSaid) return;
          window.liveSaid = [];
          const live = document.getElementById('live');
          new MutationObserver(() => { if (live.textContent) window.liveSaid.push(live.textContent); })
            .observe(live, { childList: true, characterData: true, subtree: true });
        }
        """);

    /// <summary>Waits until one reading of the live region matched <paramref name="pattern"/> (a JavaScript regular expression).</summary>
    public static async Task ExpectSaidAsync(IPage page, string pattern)
    {
        try
        {
            await page.WaitForFunctionAsync("pattern => window.liveSaid.some((said) => new RegExp(pattern).test(said))", pattern, new() { Timeout = 20_000 });
        }
        catch (TimeoutException e)
        {
            var said = await page.EvaluateAsync<string[]>("window.liveSaid");
            throw new Xunit.Sdk.XunitException($"The live region never said /{pattern}/; it said: {string.Join(" | ", said)}", e);
        }
    }
}
