using System.Globalization;
using System.Text;
using MySqlConnector;

namespace Dilemma.Silo.LegacyImport;

/// <summary>
/// Rows of one original table on their way into ours: every <see cref="Size"/> rows go in as one multi-row
/// INSERT, together with their <c>legacy_imports</c> entries and any follow-up statement, in one transaction.
/// A run that stops (a crash, Ctrl+C, a lost connection) therefore leaves whole batches behind, each recorded
/// as imported, and the next run goes on after them.
/// </summary>
internal sealed class ImportBatch(MySqlConnection connection, string kind, string table, string[] columns, TableReport report, ImportProgress progress, DateTime now)
{
    public const int Size = 1_000;

    private readonly List<(long LegacyId, object?[] Values)> _rows = [];

    /// <summary>
    /// A statement run after each batch's insert, in its transaction, given the batch's original ids as an
    /// SQL list of integers (the users' consent records need the ids the insert gave).
    /// </summary>
    public Func<string, string>? After { get; init; }

    public async Task AddAsync(long legacyId, object?[] values, CancellationToken cancellationToken)
    {
        _rows.Add((legacyId, values));
        if (_rows.Count >= Size)
        {
            await FlushAsync(cancellationToken);
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_rows.Count > 0)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var command = new MySqlCommand { Connection = connection, Transaction = transaction };
            var sql = new StringBuilder($"INSERT INTO {table} ({string.Join(", ", columns)}, legacy_id) VALUES ");
            for (var row = 0; row < _rows.Count; row++)
            {
                sql.Append(row == 0 ? "(" : ",(");
                foreach (var (value, column) in _rows[row].Values.Select((v, i) => (v, i)))
                {
                    var name = $"@p{row}_{column}";
                    command.Parameters.AddWithValue(name, value);
                    sql.Append(name).Append(',');
                }

                sql.Append(_rows[row].LegacyId.ToString(CultureInfo.InvariantCulture)).Append(')');
            }

            var ids = string.Join(",", _rows.Select(r => r.LegacyId.ToString(CultureInfo.InvariantCulture)));
            sql.Append("; INSERT INTO legacy_imports (kind, legacy_id, imported_at) VALUES ");
            sql.AppendJoin(',', _rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"('{kind}',{r.LegacyId},@now)")));
            command.Parameters.AddWithValue("@now", now);
            if (After is { } after)
            {
                sql.Append("; ").Append(after(ids));
            }

            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            report.Written += _rows.Count;
            _rows.Clear();
        }

        await progress.ShowAsync(report);
    }
}

/// <summary>A progress line per table on standard error: rewritten in place on a terminal, a line per batch in a log.</summary>
public sealed class ImportProgress(TextWriter error, bool inPlace, IReadOnlyDictionary<string, int> totals)
{
    public async Task ShowAsync(TableReport report)
    {
        var total = totals[report.Table];
        var percent = total == 0 ? 100 : report.Processed * 100 / total;
        var filled = (int)(percent / 5);
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"import-legacy: {report.Table,-17} [{new string('#', filled)}{new string('.', 20 - filled)}] {report.Processed}/{total} (written {report.Written}, skipped {report.SkippedTotal})");
        if (inPlace)
        {
            await error.WriteAsync('\r' + line);
            if (report.Processed >= total)
            {
                await error.WriteLineAsync();
            }
        }
        else
        {
            await error.WriteLineAsync(line);
        }
    }
}
