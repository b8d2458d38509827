namespace Dilemma.Grains.Research;

/// <summary>
/// A topic filter matched exactly, as room creation matches a topic against the catalogue: the column's
/// case-insensitive collation picks the index's rows, the binary comparison decides (the in-memory store compares
/// ordinally). The parameter is <c>@topic</c>.
/// </summary>
internal static class MySqlTopic
{
    public static string Matches(string column) => $"{column} = @topic AND {column} = @topic COLLATE utf8mb4_bin";
}
