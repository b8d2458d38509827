using System.Runtime.CompilerServices;
using MySqlConnector;

namespace Dilemma.Grains.Research;

/// <summary>What a sheet's MySQL read has of the export's session: its snapshot transaction, the room filter and the string pool.</summary>
public sealed class MySqlSheetContext
{
    /// <summary>
    /// The condition on <c>users u</c> under which a user's rows leave the database: data consent, or a bot's seat
    /// (no person stands behind it). Every sheet holding a user's rows applies it, as the participants sheet does.
    /// </summary>
    public const string Exported = "(u.data_consent = 1 OR u.is_bot = 1)";

    private readonly Func<MySqlCommand> _createCommand;
    private readonly Func<MySqlCommand, string> _where;
    private readonly StringPool _strings;

    internal MySqlSheetContext(Func<MySqlCommand> createCommand, Func<MySqlCommand, string> where, StringPool strings)
    {
        _createCommand = createCommand;
        _where = where;
        _strings = strings;
    }

    /// <summary>The export's WHERE clause with one more condition.</summary>
    public static string And(string where, string condition) =>
        string.IsNullOrEmpty(where) ? $"WHERE {condition}" : $"{where} AND {condition}";

    /// <summary>The same rule as <see cref="Exported"/> for another alias of <c>users</c>.</summary>
    public static string ExportedAs(string alias) => $"({alias}.data_consent = 1 OR {alias}.is_bot = 1)";

    // The columns are DATETIME, which carries no zone: every time in them was written as UTC.
    public static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    /// <summary>A text of a column with few values (topics, event types), cleaned once per export and shared.</summary>
    public string Pooled(string text) => _strings.Clean(text);

    /// <summary>
    /// Runs <paramref name="sql"/>, given the export's WHERE clause on <c>rooms r</c> (empty when nothing is filtered; its
    /// values go in as parameters), and hands over each row as it arrives. Stopping early kills the query.
    /// </summary>
    public async IAsyncEnumerable<MySqlDataReader> QueryAsync(Func<string, string> sql, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sql);
        await using var command = _createCommand();
        command.CommandText = sql(_where(command));
        await foreach (var reader in ReadAsync(command, cancellationToken))
        {
            yield return reader;
        }
    }

    internal static async IAsyncEnumerable<MySqlDataReader> ReadAsync(MySqlCommand command, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken);
        var finished = false;
        try
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                yield return reader;
            }

            finished = true;
        }
        finally
        {
            if (!finished)
            {
                // The consumer stopped early (a client went away). Disposing the reader would read the
                // rest of the result to clear the connection, so the query is killed first and the
                // server stops producing rows.
                command.Cancel();
            }

            await reader.DisposeAsync();
        }
    }
}
