using Dilemma.Tests.Infrastructure;
using MySqlConnector;

namespace Dilemma.Tests.Storage;

/// <summary>
/// The queries in <c>OrleansQuery</c>, run the way the provider runs them (its parameter names, no prefix), for
/// cases a grain cannot easily provoke: racing first writes, keys that only a careless key design would merge.
/// </summary>
public sealed class GrainStorageQueryTests(LocalServices services)
{
    private const string ServiceId = "query-tests";

    [Fact]
    public async Task Racing_first_writes_of_one_grain_leave_one_row_and_exactly_one_winner()
    {
        var ct = TestContext.Current.CancellationToken;
        var queries = await QueriesAsync(ct);
        var grain = new Identity("probe", $"race-{Guid.NewGuid():N}");
        // Connections are opened first, so the eight writes leave at (nearly) the same moment.
        var connections = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => queries.OpenAsync(ct)));
        int?[] results;
        try
        {
            results = await Task.WhenAll(connections.Select((connection, i) => queries.WriteAsync(connection, grain, version: null, [(byte)i], ct)));
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }

        Assert.Single(results, r => r == 1);
        Assert.Equal(7, results.Count(r => r is null));
        Assert.Equal(1L, await queries.CountAsync(grain, ct));
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("key", "KEY")]
    [InlineData("key", "key ")]
    [InlineData("a|1:b", "a|1:c")]
    public async Task Extensions_that_differ_in_any_way_are_different_grains(string? first, string? second)
    {
        var ct = TestContext.Current.CancellationToken;
        var queries = await QueriesAsync(ct);
        var stateName = $"ext-{Guid.NewGuid():N}";
        await using var connection = await queries.OpenAsync(ct);

        Assert.Equal(1, await queries.WriteAsync(connection, new Identity(stateName, first), null, [1], ct));
        Assert.Equal(1, await queries.WriteAsync(connection, new Identity(stateName, second), null, [2], ct));

        Assert.Equal(([(byte)1], 1), await queries.ReadAsync(connection, new Identity(stateName, first), ct));
        Assert.Equal(([(byte)2], 1), await queries.ReadAsync(connection, new Identity(stateName, second), ct));
    }

    [Fact]
    public async Task Read_returns_the_payload_as_bytes_with_its_version_and_nothing_for_an_unknown_grain()
    {
        var ct = TestContext.Current.CancellationToken;
        var queries = await QueriesAsync(ct);
        var grain = new Identity("probe", $"read-{Guid.NewGuid():N}");
        await using var connection = await queries.OpenAsync(ct);

        Assert.Null(await queries.ReadAsync(connection, grain, ct));
        Assert.Equal(1, await queries.WriteAsync(connection, grain, null, [1, 2, 3], ct));
        Assert.Equal(2, await queries.WriteAsync(connection, grain, 1, [4, 5], ct));

        Assert.Equal(([(byte)4, (byte)5], 2), await queries.ReadAsync(connection, grain, ct));
    }

    [Fact]
    public async Task Writes_clears_and_deletes_with_a_stale_version_return_null_and_change_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var queries = await QueriesAsync(ct);
        var grain = new Identity("probe", $"stale-{Guid.NewGuid():N}");
        await using var connection = await queries.OpenAsync(ct);
        Assert.Equal(1, await queries.WriteAsync(connection, grain, null, [1], ct));
        Assert.Equal(2, await queries.WriteAsync(connection, grain, 1, [2], ct));

        Assert.Null(await queries.WriteAsync(connection, grain, null, [9], ct));
        Assert.Null(await queries.WriteAsync(connection, grain, 1, [9], ct));
        Assert.Null(await queries.ClearAsync(connection, grain, 1, ct));
        Assert.Null(await queries.DeleteAsync(connection, grain, 1, ct));

        Assert.Equal(([(byte)2], 2), await queries.ReadAsync(connection, grain, ct));
    }

    [Fact]
    public async Task Clear_keeps_the_row_without_payload_under_a_new_version_and_delete_removes_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var queries = await QueriesAsync(ct);
        var grain = new Identity("probe", $"clear-{Guid.NewGuid():N}");
        await using var connection = await queries.OpenAsync(ct);
        Assert.Equal(1, await queries.WriteAsync(connection, grain, null, [1], ct));

        Assert.Equal(2, await queries.ClearAsync(connection, grain, 1, ct));
        Assert.Equal((null, 2), await queries.ReadAsync(connection, grain, ct));
        Assert.Equal(3, await queries.WriteAsync(connection, grain, 2, [3], ct));

        Assert.Equal(4, await queries.DeleteAsync(connection, grain, 3, ct));
        Assert.Null(await queries.ReadAsync(connection, grain, ct));
        Assert.Equal(0L, await queries.CountAsync(grain, ct));
    }

    [Fact]
    public async Task A_key_longer_than_its_column_is_an_error_not_a_truncation()
    {
        var ct = TestContext.Current.CancellationToken;
        var queries = await QueriesAsync(ct);
        var tooLong = new Identity("probe", new string('k', 513));
        await using var connection = await queries.OpenAsync(ct);

        var error = await Assert.ThrowsAsync<MySqlException>(() => queries.WriteAsync(connection, tooLong, null, [1], ct));
        Assert.Equal(MySqlErrorCode.DataTooLong, error.ErrorCode);
    }

    // Rows are found by this hash alone, so its definition may never change: another encoding would leave
    // every stored state behind under keys nothing computes any more. Each variable-length part carries its
    // length in UTF-8 bytes, the numbers are written in decimal, and a NULL extension is the bare word null.
    [Theory]
    [InlineData("probe", null, 0L, 0L)]
    [InlineData("probe", "", -1L, long.MaxValue)]
    [InlineData("probe", "null", 7L, 0L)]
    [InlineData("\u00e9tat", "\u043a\u043b\u044e\u0447-\U0001F3B2", long.MinValue, 42L)]
    public async Task The_identity_hash_is_sha256_over_the_length_prefixed_identity(string stateName, string? extension, long n0, long n1)
    {
        var ct = TestContext.Current.CancellationToken;
        var queries = await QueriesAsync(ct);
        var grain = new Identity(stateName, extension, n0, n1);
        await using var connection = await queries.OpenAsync(ct);
        Assert.Equal(1, await queries.WriteAsync(connection, grain, null, [1], ct));

        static string Part(string value) =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{System.Text.Encoding.UTF8.GetByteCount(value)}:{value}");
        var encoded = string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{Part(ServiceId)}|{Part(stateName)}|{n0}|{n1}|{(extension is null ? "null" : Part(extension))}");

        Assert.Equal(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(encoded)), await queries.IdentityHashAsync(grain, ct));
    }

    private async Task<Queries> QueriesAsync(CancellationToken ct)
    {
        var database = await services.CreateDatabaseAsync("grainquery_", migrate: true, ct);
        await using var connection = new MySqlConnection(database);
        await connection.OpenAsync(ct);
        await using var command = new MySqlCommand("SELECT QueryKey, QueryText FROM OrleansQuery", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var texts = new Dictionary<string, string>();
        while (await reader.ReadAsync(ct))
        {
            texts.Add(reader.GetString(0), reader.GetString(1));
        }

        return new Queries(database, texts);
    }

    /// <summary>A string-keyed grain's identity as the provider passes it: the key travels as the extension.</summary>
    private sealed record Identity(string StateName, string? Extension, long N0 = 0, long N1 = 0);

    private sealed class Queries(string connectionString, Dictionary<string, string> texts)
    {
        public async Task<MySqlConnection> OpenAsync(CancellationToken ct)
        {
            var connection = new MySqlConnection(connectionString);
            await connection.OpenAsync(ct);
            return connection;
        }

        public async Task<(byte[]? Payload, int Version)?> ReadAsync(MySqlConnection connection, Identity grain, CancellationToken ct)
        {
            await using var command = Command(connection, "ReadFromStorageKey", grain, version: null, payload: null);
            await using var reader = await command.ExecuteReaderAsync(ct);
            (byte[]?, int)? result = null;
            do
            {
                while (await reader.ReadAsync(ct))
                {
                    Assert.Null(result);
                    var payload = reader.GetValue(reader.GetOrdinal("PayloadBinary"));
                    // The provider casts this value to byte[]; a text column would fail there.
                    Assert.True(payload is byte[] or DBNull, $"PayloadBinary came back as {payload.GetType()}");
                    result = (payload as byte[], Convert.ToInt32(reader.GetValue(reader.GetOrdinal("Version")), System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            while (await reader.NextResultAsync(ct));

            return result;
        }

        public Task<int?> WriteAsync(MySqlConnection connection, Identity grain, int? version, byte[] payload, CancellationToken ct) =>
            SingleVersionAsync(Command(connection, "WriteToStorageKey", grain, version, payload), ct);

        public Task<int?> ClearAsync(MySqlConnection connection, Identity grain, int? version, CancellationToken ct) =>
            SingleVersionAsync(Command(connection, "ClearStorageKey", grain, version, payload: null), ct);

        public Task<int?> DeleteAsync(MySqlConnection connection, Identity grain, int? version, CancellationToken ct) =>
            SingleVersionAsync(Command(connection, "DeleteStorageKey", grain, version, payload: null), ct);

        public async Task<long> CountAsync(Identity grain, CancellationToken ct)
        {
            await using var connection = await OpenAsync(ct);
            await using var command = new MySqlCommand(
                "SELECT COUNT(*) FROM OrleansStorage WHERE ServiceId = @serviceId AND GrainTypeString = @stateName AND GrainIdExtensionString <=> @extension",
                connection);
            command.Parameters.AddWithValue("@serviceId", ServiceId);
            command.Parameters.AddWithValue("@stateName", grain.StateName);
            command.Parameters.AddWithValue("@extension", grain.Extension);
            return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }

        public async Task<byte[]> IdentityHashAsync(Identity grain, CancellationToken ct)
        {
            await using var connection = await OpenAsync(ct);
            await using var command = new MySqlCommand(
                """
                SELECT IdentityHash FROM OrleansStorage
                WHERE ServiceId = @serviceId AND GrainTypeString = @stateName AND GrainIdExtensionString <=> @extension
                    AND GrainIdN0 = @n0 AND GrainIdN1 = @n1
                """,
                connection);
            command.Parameters.AddWithValue("@serviceId", ServiceId);
            command.Parameters.AddWithValue("@stateName", grain.StateName);
            command.Parameters.AddWithValue("@extension", grain.Extension);
            command.Parameters.AddWithValue("@n0", grain.N0);
            command.Parameters.AddWithValue("@n1", grain.N1);
            return (byte[])(await command.ExecuteScalarAsync(ct))!;
        }

        /// <summary>The provider reads every row of every result set and allows at most one in total.</summary>
        private static async Task<int?> SingleVersionAsync(MySqlCommand command, CancellationToken ct)
        {
            await using (command)
            {
                await using var reader = await command.ExecuteReaderAsync(ct);
                var rows = new List<object>();
                do
                {
                    while (await reader.ReadAsync(ct))
                    {
                        rows.Add(reader.GetValue(0));
                    }
                }
                while (await reader.NextResultAsync(ct));

                var value = Assert.Single(rows);
                return value is DBNull ? null : Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        private MySqlCommand Command(MySqlConnection connection, string key, Identity grain, int? version, byte[]? payload)
        {
            var command = new MySqlCommand(texts[key], connection);
            // Names without '@' and every parameter on every query, as Orleans' provider binds them.
            command.Parameters.AddWithValue("GrainIdHash", 17);
            command.Parameters.AddWithValue("GrainIdN0", grain.N0);
            command.Parameters.AddWithValue("GrainIdN1", grain.N1);
            command.Parameters.AddWithValue("GrainTypeHash", 23);
            command.Parameters.AddWithValue("GrainTypeString", grain.StateName);
            command.Parameters.AddWithValue("GrainIdExtensionString", (object?)grain.Extension ?? DBNull.Value);
            command.Parameters.AddWithValue("ServiceId", ServiceId);
            command.Parameters.AddWithValue("GrainStateVersion", (object?)version ?? DBNull.Value);
            command.Parameters.AddWithValue("PayloadBinary", (object?)payload ?? DBNull.Value);
            return command;
        }
    }
}
