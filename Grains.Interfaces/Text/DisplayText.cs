namespace Dilemma.Grains.Interfaces.Text;

/// <summary>
/// Names and titles other people see (nicknames, room and session titles): they may not carry control characters or the
/// characters that turn the direction of text (embeddings, overrides and isolates). Those draw nothing of their own, so a
/// name could pass for another (U+202E shows "Kim" reversed), hide itself, or break a line of a list, a log or a CSV export.
/// Marks of direction (U+200E, U+200F) and joiners stay: scripts that mix directions need them.
/// </summary>
public static class DisplayText
{
    public const string Rule = "no control characters or characters that turn the direction of text";

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
