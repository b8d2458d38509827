using System.Diagnostics;
using System.Threading.Channels;
using Dilemma.Hosting.Telemetry;
using MySqlConnector;

namespace Dilemma.Grains.Storage;

/// <summary>
/// Group commit for the silo's busiest writes (choices and consensus): whatever writes are waiting when the
/// previous commit finishes go into one transaction, so one fsync (<c>innodb_flush_log_at_trx_commit=1</c>)
/// carries many rows instead of one each. A caller's task completes only once the COMMIT holding its
/// statements has succeeded; when that commit fails, or its outcome is unknown, every caller of the batch gets
/// the error and none succeeds. One writer loop per silo, so batches never contend with each other.
/// </summary>
public sealed class MySqlGroupCommit : IAsyncDisposable
{
    /// <summary>
    /// Writes per transaction at most: a few hundred rows keep the batch's packet far below max_allowed_packet
    /// and its locks short, while already amortising the fsync a hundredfold.
    /// </summary>
    public const int MaxWritesPerCommit = 500;

    private static readonly ActivitySource Source = new(TelemetryHosting.DilemmaMeter);

    private readonly MySqlDataSource _dataSource;

    // Unbounded: each room grain is non-reentrant and waits for its write, so the queue never holds more
    // writes than there are active rooms (and bots' seats) on this silo. Not marked single-reader: that channel
    // cannot count what it holds (Waiting).
    private readonly Channel<GroupedWrite> _queue = Channel.CreateUnbounded<GroupedWrite>();
    private readonly Task _writer;

    public MySqlGroupCommit(MySqlDataSource dataSource)
    {
        _dataSource = dataSource;

        // Not under whichever grain call built this: its trace and context are not the loop's.
        using (ExecutionContext.SuppressFlow())
        {
            _writer = Task.Run(WriteLoopAsync);
        }
    }

    /// <summary>Writes waiting for the next commit (not those of the commit under way): for diagnostics and tests.</summary>
    public int Waiting => _queue.Reader.Count;

    /// <summary>
    /// Runs <paramref name="write"/>'s statements in the next group transaction and returns once that transaction
    /// has committed. Cancelling gives up waiting, not the write: once taken into a batch it may still commit,
    /// which the statements' idempotency makes harmless (as with a cancelled single statement before).
    /// </summary>
    public Task CommitAsync(GroupedWrite write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        write.Start(Activity.Current?.Context ?? default, cancellationToken);
        if (!_queue.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(MySqlGroupCommit), "The silo is stopping: no more writes are taken.");
        }

        return write.Committed.WaitAsync(cancellationToken);
    }

    /// <summary>Takes no more writes and finishes those already queued (the container disposes this after the silo has stopped).</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<GroupedWrite>(MaxWritesPerCommit);
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < MaxWritesPerCommit && reader.TryRead(out var write))
            {
                if (write.GaveUp)
                {
                    write.Cancel();
                }
                else
                {
                    batch.Add(write);
                }
            }

            if (batch.Count > 0)
            {
                await CommitBatchAsync(batch);
                batch.Clear();
            }
        }
    }

    private async Task CommitBatchAsync(List<GroupedWrite> writes)
    {
        // A span in the first caller's trace (so a lone request's trace reaches the database), linked to the others'.
        using var activity = Source.StartActivity(
            "group commit",
            ActivityKind.Internal,
            writes.Select(w => w.Caller).FirstOrDefault(c => c != default),
            links: writes.Count > 1 ? writes.Select(w => new ActivityLink(w.Caller)) : null);
        activity?.SetTag("dilemma.commit.writes", writes.Count);
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            try
            {
                await RunStatementsAsync(connection, transaction, writes);
            }
            catch (MySqlException e) when (writes.Count > 1 && !StorageFailure.IsUnreachableDatabase(e))
            {
                // One statement's own error (a foreign key, a value out of range) and nothing committed yet: the
                // rows of the others are fine, so each write runs again in a transaction of its own, and only the
                // one at fault fails. Rare, so the fsync per write it costs does not matter. A lost connection, a
                // deadlock or a lock timeout is not one row's fault: it fails the whole batch below (503, retried
                // by the clients with the same submission ids).
                await transaction.RollbackAsync();
                foreach (var write in writes)
                {
                    await CommitBatchAsync([write]);
                }

                return;
            }

            await transaction.CommitAsync();
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            foreach (var write in writes)
            {
                write.Fail(e);
            }

            return;
        }

        foreach (var write in writes)
        {
            write.Succeed();
        }
    }

    private static async Task RunStatementsAsync(MySqlConnection connection, MySqlTransaction transaction, List<GroupedWrite> writes)
    {
        // One round trip for every statement of the batch (MySqlConnector sends the batch as one packet). The rows
        // of every write's row statements go last, one multi-row INSERT per shape: one statement to parse and answer
        // instead of one a write (parsing statements and sending their answers were half of MariaDB's CPU, perf).
        var firsts = new MySqlBatchCommand[writes.Count];
        var rows = new Dictionary<GroupedRow, List<GroupedStatement>>();
        await using (var batch = new MySqlBatch(connection, transaction))
        {
            for (var i = 0; i < writes.Count; i++)
            {
                var statements = writes[i].Statements;
                for (var j = 0; j < statements.Count; j++)
                {
                    // The first statement runs alone whatever it is: its count decides IfFirstFindsNoRow.
                    if (j > 0 && statements[j].Row is { } row)
                    {
                        if (!rows.TryGetValue(row, out var same))
                        {
                            rows[row] = same = [];
                        }

                        same.Add(statements[j]);
                        continue;
                    }

                    var command = statements[j].ToCommand();
                    firsts[i] ??= command;
                    batch.BatchCommands.Add(command);
                }
            }

            foreach (var (row, statements) in rows)
            {
                batch.BatchCommands.Add(row.ToCommand(statements));
            }

            await batch.ExecuteNonQueryAsync();
        }

        // The writes whose first statement found no row run their alternative, in the same transaction (an
        // UPDATE counts the rows it found, changed or not: MySqlConnector's default).
        var otherwise = writes.Select((write, i) => firsts[i].RecordsAffected == 0 ? write.IfFirstFindsNoRow : null).OfType<GroupedStatement>().ToList();
        if (otherwise.Count > 0)
        {
            await using var batch = new MySqlBatch(connection, transaction);
            foreach (var statement in otherwise)
            {
                batch.BatchCommands.Add(statement.ToCommand());
            }

            await batch.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>One statement of a grouped write: its SQL and its parameters (named as in the SQL, <c>@Name</c>; unnamed for <see cref="InsertRow"/>'s <c>?</c>).</summary>
public sealed record GroupedStatement(string Sql, IReadOnlyList<KeyValuePair<string, object?>> Parameters)
{
    /// <summary>Set for a one-row INSERT made by <see cref="InsertRow"/>: the shape its row shares with others.</summary>
    internal GroupedRow? Row { get; private init; }

    /// <summary>
    /// A one-row INSERT: <paramref name="into"/> is <c>INSERT INTO t (a, b, …)</c>, <paramref name="values"/> the row
    /// in column order, <paramref name="tail"/> what follows the row (<c>ON DUPLICATE KEY UPDATE …</c>, or empty).
    /// Placed after a write's first statement, it runs after that write's other statements, together with the
    /// rows of the same INSERT from every write of the batch, as one multi-row INSERT.
    /// </summary>
    public static GroupedStatement InsertRow(string into, IReadOnlyList<object?> values, string tail = "")
    {
        ArgumentNullException.ThrowIfNull(values);
        var row = new GroupedRow(into, values.Count, tail);
        return new GroupedStatement(row.Sql(1), values.Select(value => new KeyValuePair<string, object?>(string.Empty, value)).ToList()) { Row = row };
    }

    // Built anew for every attempt: a batch command belongs to the batch it was added to.
    internal MySqlBatchCommand ToCommand()
    {
        var command = new MySqlBatchCommand(Sql);
        AddParameters(command, Parameters);
        return command;
    }

    // An empty name is a positional parameter (?), as InsertRow writes its placeholders.
    internal static void AddParameters(MySqlBatchCommand command, IReadOnlyList<KeyValuePair<string, object?>> parameters)
    {
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(name.Length == 0 ? new MySqlParameter { Value = value ?? DBNull.Value } : new MySqlParameter(name, value ?? DBNull.Value));
        }
    }
}

/// <summary>The shape of an <see cref="GroupedStatement.InsertRow"/> statement: equal shapes share one INSERT.</summary>
internal sealed record GroupedRow(string Into, int Columns, string Tail)
{
    public string Sql(int rows)
    {
        var row = "(" + string.Join(", ", Enumerable.Repeat("?", Columns)) + ")";
        return $"{Into} VALUES {string.Join(", ", Enumerable.Repeat(row, rows))} {Tail}";
    }

    public MySqlBatchCommand ToCommand(List<GroupedStatement> statements)
    {
        var command = new MySqlBatchCommand(Sql(statements.Count));
        foreach (var statement in statements)
        {
            GroupedStatement.AddParameters(command, statement.Parameters);
        }

        return command;
    }
}

/// <summary>
/// One caller's statements, run in order inside a group transaction; <see cref="IfFirstFindsNoRow"/>, when given,
/// runs in the same transaction if the first statement (an UPDATE) found no row.
/// </summary>
public sealed class GroupedWrite(IReadOnlyList<GroupedStatement> statements, GroupedStatement? ifFirstFindsNoRow = null)
{
    private readonly TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationToken _cancellation;

    public IReadOnlyList<GroupedStatement> Statements { get; } = statements.Count > 0 ? statements : throw new ArgumentException("A write has at least one statement.", nameof(statements));

    public GroupedStatement? IfFirstFindsNoRow { get; } = ifFirstFindsNoRow;

    internal ActivityContext Caller { get; private set; }

    internal Task Committed => _committed.Task;

    /// <summary>The caller stopped waiting before the write was taken into a batch: it is left out.</summary>
    internal bool GaveUp => _cancellation.IsCancellationRequested;

    internal void Start(ActivityContext caller, CancellationToken cancellationToken)
    {
        Caller = caller;
        _cancellation = cancellationToken;
    }

    internal void Succeed() => _committed.TrySetResult();

    internal void Fail(Exception exception) => _committed.TrySetException(exception);

    internal void Cancel() => _committed.TrySetCanceled(_cancellation);
}
