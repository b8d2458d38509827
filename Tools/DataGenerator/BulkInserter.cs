using System.Globalization;
using System.Text;
using MySqlConnector;

namespace Dilemma.Tools.DataGenerator;

/// <summary>Collects VALUES tuples for one table and sends them as one INSERT of about a megabyte.</summary>
internal sealed class BulkInserter(MySqlConnection connection, string target)
{
    private const int MaxStatementBytes = 1 << 20;
    private readonly StringBuilder _sql = new();

    public long Rows { get; private set; }

    public void Add(string tuple)
    {
        _sql.Append(_sql.Length == 0 ? $"INSERT INTO {target} VALUES " : ",");
        _sql.Append(tuple);
        Rows++;
    }

    public async Task FlushIfFullAsync(CancellationToken cancellationToken)
    {
        if (_sql.Length >= MaxStatementBytes)
        {
            await FlushAsync(cancellationToken);
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_sql.Length > 0)
        {
            await ExecuteAsync(connection, _sql.ToString(), cancellationToken);
            _sql.Clear();
        }
    }

    public static async Task ExecuteAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static string Bit(bool value) => value ? "1" : "0";

    public static string Sql(DateTime time) => time.ToString("\\'yyyy-MM-dd HH:mm:ss.ffffff\\'", CultureInfo.InvariantCulture);

    public static string Text(string? value) => value is null ? "NULL" : "'" + MySqlHelper.EscapeString(value) + "'";
}
