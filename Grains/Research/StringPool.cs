using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Grains.Research;

/// <summary>
/// One cleaned instance per distinct text of a column with few values (topics, scenario ids), for one export.
/// Bounded, so a column with more distinct values than expected costs at most a fixed amount and is then
/// cleaned value by value as before.
/// </summary>
internal sealed class StringPool
{
    private const int MaxEntries = 1024;
    private readonly Dictionary<string, string> _cleaned = new(StringComparer.Ordinal);

    public string Clean(string text)
    {
        if (_cleaned.TryGetValue(text, out var cleaned))
        {
            return cleaned;
        }

        cleaned = ExportValue.Clean(text);
        if (_cleaned.Count < MaxEntries)
        {
            _cleaned[text] = cleaned;
        }

        return cleaned;
    }
}
