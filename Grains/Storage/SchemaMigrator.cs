using System.Security.Cryptography;
using System.Text;
using Dilemma.Grains.Storage.Migrations;
using FluentMigrator.Runner;
using FluentMigrator.Runner.Generators.MySql;
using FluentMigrator.Runner.Initialization;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Dilemma.Grains.Storage;

/// <summary>Applies this project's versioned schema (Orleans storage and research tables) to MySQL/MariaDB.</summary>
public static class SchemaMigrator
{
    // GET_LOCK waits at most this long for another process that is migrating the same database.
    private const int LockTimeoutSeconds = 60;

    // MySQL 5.7+ rejects user-level lock names longer than 64 characters.
    private const int MaxLockNameLength = 64;

    /// <summary>Brings the database named in <paramref name="connectionString"/> up to the newest version; safe to run twice and from several processes at once.</summary>
    public static Task MigrateAsync(string connectionString, CancellationToken cancellationToken = default) =>
        MigrateAsync(connectionString, version: null, cancellationToken);

    /// <summary>
    /// As <see cref="MigrateAsync(string, CancellationToken)"/>, stopping at <paramref name="version"/> when one is
    /// given: how a test sets up data as an older schema held it, to see a migration carry it over.
    /// </summary>
    public static async Task MigrateAsync(string connectionString, long? version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        cancellationToken.ThrowIfCancellationRequested();

        var target = new MySqlConnectionStringBuilder(connectionString);
        var database = target.Database;
        if (string.IsNullOrEmpty(database))
        {
            throw new ArgumentException("The connection string must name a database.", nameof(connectionString));
        }

        // The lock lives on a connection of its own (without the database, which may not exist yet):
        // FluentMigrator opens and closes its own connections, and a named lock belongs to one session.
        var server = new MySqlConnectionStringBuilder(connectionString) { Database = string.Empty, Pooling = false };
        await using var lockConnection = new MySqlConnection(server.ConnectionString);
        await lockConnection.OpenAsync(cancellationToken);

        await CreateDatabaseIfMissingAsync(lockConnection, database, cancellationToken);

        var lockName = LockNameFor(database);
        await AcquireLockAsync(lockConnection, lockName, cancellationToken);
        try
        {
            // The runner reads the version table when it is built, so it is built only once the lock is held.
            await Task.Run(() => RunMigrations(target.ConnectionString, version), cancellationToken);
        }
        finally
        {
            await ReleaseLockAsync(lockConnection, lockName);
        }
    }

    private static async Task CreateDatabaseIfMissingAsync(MySqlConnection connection, string database, CancellationToken cancellationToken)
    {
        // IF NOT EXISTS makes concurrent creators harmless; the character set is given because a server's
        // default is often latin1, which would become the default of every table and routine parameter.
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE IF NOT EXISTS {QuoteIdentifier(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task AcquireLockAsync(MySqlConnection connection, string lockName, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT GET_LOCK(@name, @timeout)";
        command.Parameters.AddWithValue("@name", lockName);
        command.Parameters.AddWithValue("@timeout", LockTimeoutSeconds);
        // The server waits up to the lock timeout; the client must not give up earlier.
        command.CommandTimeout = LockTimeoutSeconds + 30;
        var result = await command.ExecuteScalarAsync(cancellationToken);
        if (result is null or DBNull || Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture) != 1)
        {
            throw new TimeoutException($"Could not take the schema lock '{lockName}' within {LockTimeoutSeconds} s; another process is still migrating.");
        }
    }

    private static async Task ReleaseLockAsync(MySqlConnection connection, string lockName)
    {
        // Not cancellable: the lock must not outlive the migration run.
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT RELEASE_LOCK(@name)";
        command.Parameters.AddWithValue("@name", lockName);
        try
        {
            await command.ExecuteScalarAsync(CancellationToken.None);
        }
        catch (MySqlException) when (connection.State != System.Data.ConnectionState.Open)
        {
            // The session is gone, and a named lock ends with its session (the connection is not pooled), so
            // there is nothing left to release; the migration's own outcome is what the caller needs to see.
        }
    }

    private static void RunMigrations(string connectionString, long? version)
    {
        var services = new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(runner => runner
                // MySql8's generator differs from MySql5's only in syntax MariaDB 10.5+ also accepts
                // (RENAME COLUMN, ASC/DESC per index column), so it serves both servers.
                .AddMySql8()
                .WithGlobalConnectionString(connectionString)
                .ScanIn(typeof(OrleansGrainStorage).Assembly).For.Migrations())
            // Registered after AddMySql8, so the generator is built with this map instead of its own.
            .AddScoped<IMySqlTypeMap, Utf8Mb4TypeMap>()
            // Only this folder's migrations: other code in the assembly must never be picked up as schema.
            .Configure<TypeFilterOptions>(options =>
            {
                options.Namespace = typeof(OrleansGrainStorage).Namespace;
                options.NestedNamespaces = false;
            });

        using var provider = services.BuildServiceProvider(validateScopes: false);
        using var scope = provider.CreateScope();
        var runner = scope.ServiceProvider.GetRequiredService<IMigrationRunner>();
        if (version is { } last)
        {
            runner.MigrateUp(last);
        }
        else
        {
            runner.MigrateUp();
        }
    }

    private static string LockNameFor(string database)
    {
        // One lock per database: migrations of different databases on one server need not wait for each other.
        var name = $"dilemma_schema:{database}";
        if (name.Length <= MaxLockNameLength)
        {
            return name;
        }

        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(database)));
        return $"dilemma_schema:{digest[..(MaxLockNameLength - "dilemma_schema:".Length)]}";
    }

    private static string QuoteIdentifier(string identifier) => $"`{identifier.Replace("`", "``", StringComparison.Ordinal)}`";
}
