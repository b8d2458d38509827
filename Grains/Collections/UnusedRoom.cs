namespace Dilemma.Grains.Collections;

/// <summary>
/// The in-memory stores' tables keep the room of their peak after most rows go. Given back only once a table is
/// at most a quarter full, so a steady load does not reallocate at every sweep.
/// </summary>
internal static class UnusedRoom
{
    public static void GiveBack<TKey, TValue>(Dictionary<TKey, TValue> entries)
        where TKey : notnull
    {
        if (entries.Count <= entries.Capacity / 4)
        {
            entries.TrimExcess();
        }
    }

    public static void GiveBack<T>(List<T> entries)
    {
        if (entries.Count <= entries.Capacity / 4)
        {
            entries.TrimExcess();
        }
    }

    public static void GiveBack<T>(HashSet<T> entries)
    {
        if (entries.Count <= entries.Capacity / 4)
        {
            entries.TrimExcess();
        }
    }
}
