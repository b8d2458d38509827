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

    /// <summary>Rooms per query of <see cref="QueryByRoomBatchAsync"/>: a few thousand participants, whose rows the server sorts in memory within milliseconds.</summary>
    public const int RoomsPerBatch = 1000;

    private readonly Func<MySqlCommand> _createCommand;
    private readonly Func<MySqlCommand, string> _where;
    private readonly StringPool _strings;
    private readonly IReadOnlyList<string> _roomBatchStarts;

    internal MySqlSheetContext(Func<MySqlCommand> createCommand, Func<MySqlCommand, string> where, StringPool strings, IReadOnlyList<string> roomBatchStarts)
    {
        _createCommand = createCommand;
        _where = where;
        _strings = strings;
        _roomBatchStarts = roomBatchStarts;
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

    /// <summary>
    /// As <see cref="QueryAsync"/> with each row read into a <typeparamref name="TRow"/>, for a sheet whose rows are ordered by the
    /// room code first: the query runs once per batch of <see cref="RoomsPerBatch"/> of the export's rooms, in room-code order, each
    /// restricted to its batch on <c>r.room_code</c>, so the rows and their order are those of one query. A batch's rows are read
    /// into memory and the next batch's query is sent before they are handed on, so the server sorts the next batch while this
    /// silo hashes and sends the last. One query per sheet made the server sort the whole sheet before its first row (for the
    /// decisions of 100,000 participants, 1.75 s in which the silo and the gateway had nothing to do), and one connection runs one
    /// query at a time: a second connection would not share the export's snapshot. The batches are those the rooms sheet's
    /// read marked (every <see cref="RoomsPerBatch"/>th room's code); the snapshot gives every query the same rooms.
    /// </summary>
    public IAsyncEnumerable<TRow> QueryByRoomBatchAsync<TRow>(Func<string, string> sql, Func<MySqlDataReader, TRow> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        return QueryRoomBatchesAsync<TRow>(
            sql,
            async (reader, rows, token) =>
            {
                while (await reader.ReadAsync(token))
                {
                    rows.Add(read(reader));
                }
            },
            cancellationToken);
    }

    /// <summary>
    /// As <see cref="QueryByRoomBatchAsync"/>, for a sheet whose batch is answered in several result sets (one command
    /// of several statements, each given the batch's WHERE clause and parameters): <paramref name="readBatch"/> reads the
    /// whole answer into the list, in the sheet's order.
    /// </summary>
    public async IAsyncEnumerable<TRow> QueryRoomBatchesAsync<TRow>(
        Func<string, string> sql,
        Func<MySqlDataReader, List<TRow>, CancellationToken, Task> readBatch,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(readBatch);
        var rows = new List<TRow>();
        (MySqlCommand Command, Task<MySqlDataReader> Reader)? next = StartBatch(sql, 0, cancellationToken);
        try
        {
            for (var batch = 0; next is { } current; batch++)
            {
                next = null;
                await using (current.Command)
                {
                    await ReadBatchAsync(current.Command, current.Reader, rows, readBatch, cancellationToken);
                }

                next = batch < _roomBatchStarts.Count ? StartBatch(sql, batch + 1, cancellationToken) : null;
                foreach (var row in rows)
                {
                    yield return row;
                }

                rows.Clear();
            }
        }
        finally
        {
            if (next is { } abandoned)
            {
                await AbandonAsync(abandoned.Command, abandoned.Reader);
            }
        }
    }

    private (MySqlCommand Command, Task<MySqlDataReader> Reader) StartBatch(Func<string, string> sql, int batch, CancellationToken cancellationToken)
    {
        var command = _createCommand();
        var where = _where(command);
        if (batch > 0)
        {
            where = And(where, "r.room_code >= @batch_from");
            command.Parameters.AddWithValue("@batch_from", _roomBatchStarts[batch - 1]);
        }

        if (batch < _roomBatchStarts.Count)
        {
            where = And(where, "r.room_code < @batch_to");
            command.Parameters.AddWithValue("@batch_to", _roomBatchStarts[batch]);
        }

        command.CommandText = sql(where);
        return (command, command.ExecuteReaderAsync(cancellationToken));
    }

    private static async Task ReadBatchAsync<TRow>(
        MySqlCommand command,
        Task<MySqlDataReader> executed,
        List<TRow> rows,
        Func<MySqlDataReader, List<TRow>, CancellationToken, Task> readBatch,
        CancellationToken cancellationToken)
    {
        var reader = await executed;
        var finished = false;
        try
        {
            await readBatch(reader, rows, cancellationToken);
            finished = true;
        }
        finally
        {
            await CloseAsync(command, reader, finished);
        }
    }

    // The reader stopped while the next batch's query ran: it is killed, rather than its rows read to clear the connection.
    private static async Task AbandonAsync(MySqlCommand command, Task<MySqlDataReader> reader)
    {
        await using (command)
        {
            command.Cancel();
            try
            {
                await (await reader).DisposeAsync();
            }
            catch (Exception e) when (e is MySqlException or OperationCanceledException)
            {
                // The killed query's own error ("Query execution was interrupted") or the export's cancellation: both expected here.
            }
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
            await CloseAsync(command, reader, finished);
        }
    }

    // A read that stopped early (a client went away, an error): disposing the reader would read the rest of the answer to
    // clear the connection, so the query is killed first and the server stops producing rows.
    private static async Task CloseAsync(MySqlCommand command, MySqlDataReader reader, bool finished)
    {
        if (!finished)
        {
            command.Cancel();
        }

        await reader.DisposeAsync();
    }
}
