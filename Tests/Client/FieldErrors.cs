using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>An error answer said where it belongs: at the field the server named (the problem's <c>field</c>).</summary>
internal static class FieldErrors
{
    /// <summary>
    /// The alert says <paramref name="message"/> (the app's words for <paramref name="code"/>, not the code), and the field
    /// is marked invalid, described by the alert (before a description of its own, if it has one) and has the focus. The
    /// alert alone was tied to no field: a screen reader user heard it once, then had to find the field it meant.
    /// <paramref name="notAt"/>, a field the answer did not name, is left unmarked.
    /// </summary>
    public static async Task AssertSaidAtAsync(IPage page, string field, string code, string message, string? notAt = null)
    {
        await Expect(page.Locator($"#error[data-code='{code}']")).ToHaveTextAsync(message);
        var input = page.Locator(field);
        await Expect(input).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(input).ToHaveAccessibleDescriptionAsync(new Regex("^" + Regex.Escape(message)));
        await Expect(input).ToBeFocusedAsync();
        if (notAt is not null)
        {
            await Expect(page.Locator(notAt)).Not.ToHaveAttributeAsync("aria-invalid", "true");
        }
    }
}
