using MySqlConnector;

namespace Dilemma.Tests.Storage;

/// <summary>Looks at <c>OrleansStorage</c> rows directly, to check what the provider really stored.</summary>
internal static class StorageRows
{
    public static Task<long> CountByExtensionAsync(string connectionString, string serviceId, string stateName, string extension, CancellationToken ct) =>
        ScalarAsync<long>(
            connectionString,
            "SELECT COUNT(*) FROM OrleansStorage WHERE ServiceId = @serviceId AND GrainTypeString = @stateName AND GrainIdExtensionString = @extension",
            ct,
            ("@serviceId", serviceId),
            ("@stateName", stateName),
            ("@extension", extension));

    public static Task<long> CountByIntegerKeyAsync(string connectionString, string serviceId, string stateName, long key, CancellationToken ct) =>
        ScalarAsync<long>(
            connectionString,
            "SELECT COUNT(*) FROM OrleansStorage WHERE ServiceId = @serviceId AND GrainTypeString = @stateName AND GrainIdN0 = 0 AND GrainIdN1 = @key",
            ct,
            ("@serviceId", serviceId),
            ("@stateName", stateName),
            ("@key", key));

    public static Task<long> PayloadLengthAsync(string connectionString, string serviceId, string stateName, string extension, CancellationToken ct) =>
        ScalarAsync<long>(
            connectionString,
            "SELECT COALESCE(LENGTH(PayloadBinary), 0) FROM OrleansStorage WHERE ServiceId = @serviceId AND GrainTypeString = @stateName AND GrainIdExtensionString = @extension",
            ct,
            ("@serviceId", serviceId),
            ("@stateName", stateName),
            ("@extension", extension));

    /// <summary>What another activation's successful write does to the row: the version moves on.</summary>
    public static Task<int> BumpVersionAsync(string connectionString, string serviceId, string stateName, string extension, CancellationToken ct) =>
        ExecuteAsync(
            connectionString,
            "UPDATE OrleansStorage SET Version = Version + 1 WHERE ServiceId = @serviceId AND GrainTypeString = @stateName AND GrainIdExtensionString = @extension",
            ct,
            ("@serviceId", serviceId),
            ("@stateName", stateName),
            ("@extension", extension));

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = Create(connection, sql, parameters);
        var result = await command.ExecuteScalarAsync(ct);
        if (result is null or DBNull)
        {
            throw new InvalidOperationException($"No row for: {sql}");
        }

        return (T)Convert.ChangeType(result, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<int> ExecuteAsync(string connectionString, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = Create(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private static MySqlCommand Create(MySqlConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }
}
