using System.Globalization;
using System.Text;

namespace Dilemma.Grains.Interfaces.Text;

/// <summary>
/// Text other people see (nicknames, room and session titles, study labels, a facilitator's reasons and messages): it may
/// not carry control characters or the characters that turn the direction of text (embeddings, overrides and isolates).
/// Those draw nothing of their own, so a name could pass for another (U+202E shows "Kim" reversed), hide itself, or break
/// a line of a list, a log or a CSV export. Marks of direction (U+200E, U+200F) and joiners stay: scripts that mix
/// directions need them. Nor may it show nothing at all (only spaces, zero-width or filler characters, or marks with no
/// letter to sit on): a blank name is no name.
/// </summary>
public static class DisplayText
{
    public const string Rule = "at least one visible character, and no control characters or characters that turn the direction of text";

    /// <summary>Whether <paramref name="text"/> breaks <see cref="Rule"/>.</summary>
    public static bool IsUnfit(string text) => HasHiddenCharacters(text) || ShowsNothing(text);

    /// <summary>True when no character of <paramref name="text"/> draws anything by itself.</summary>
    public static bool ShowsNothing(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var rune in text.EnumerateRunes())
        {
            if (!Rune.IsWhiteSpace(rune) && !IsBlank(rune))
            {
                return false;
            }
        }

        return true;
    }

    // Format characters (zero-width space, BOM, soft hyphen, tags), marks with nothing to mark, and the fillers that are
    // letters by category yet draw a blank (Hangul fillers, the braille blank).
    private static bool IsBlank(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
        || rune.Value is 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800;

    public static bool HasHiddenCharacters(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var character in text)
        {
            if (char.IsControl(character) || character is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')
            {
                return true;
            }
        }

        return false;
    }
}
