using Dilemma.Grains.Storage;
using Dilemma.Tests.Infrastructure;
using MySqlConnector;

[assembly: AssemblyFixture(typeof(LocalServices))]

namespace Dilemma.Tests.Infrastructure;

/// <summary>
/// Real MariaDB, Redis and coturn servers for the whole test run, started from the locally installed binaries the way
/// Testcontainers would start containers: own processes on free loopback ports, data in a fresh temporary folder,
/// all of it killed and deleted at the end. Each server starts on first use, so a run of unit tests pays nothing.
/// Take it in a test class's constructor; isolate tests with <see cref="CreateDatabaseAsync"/> and unique Redis keys.
/// </summary>
public sealed class LocalServices : IAsyncDisposable
{
    private readonly CancellationTokenSource _disposing = new();
    private readonly Lazy<string> _directory = new(RunDirectory.Create);
    private readonly Lazy<Task<MariaDbServer>> _mariaDb;
    private readonly Lazy<Task<RedisServer>> _redis;
    private readonly Lazy<Task<CoturnServer>> _coturn;

    public LocalServices()
    {
        // One start shared by every caller; a caller's token only ends its own wait, never the start others wait on.
        _mariaDb = new(() => Task.Run(() => MariaDbServer.StartAsync(Path.Combine(_directory.Value, "mariadb"), _disposing.Token)));
        _redis = new(() => Task.Run(() => RedisServer.StartAsync(Path.Combine(_directory.Value, "redis"), _disposing.Token)));
        _coturn = new(() => Task.Run(() => CoturnServer.StartAsync(Path.Combine(_directory.Value, "coturn"), _disposing.Token)));
        // If the host exits without disposing fixtures, do not leave servers running; a hard kill is cleaned up by the next run.
        AppDomain.CurrentDomain.ProcessExit += KillOnExit;
    }

    /// <summary>StackExchange.Redis configuration string, <c>127.0.0.1:PORT</c>.</summary>
    public async Task<string> GetRedisConnectionStringAsync(CancellationToken ct = default)
    {
        var redis = await _redis.Value.WaitAsync(ct);
        redis.ThrowIfExited();
        return redis.ConnectionString;
    }

    /// <summary>A coturn on loopback with a shared secret (TURN REST API scheme), started on first use.</summary>
    public async Task<CoturnInstance> GetCoturnAsync(CancellationToken ct = default)
    {
        var coturn = await _coturn.Value.WaitAsync(ct);
        coturn.ThrowIfExited();
        return coturn.Instance;
    }

    /// <summary>MySqlConnector connection string for root, with no database selected.</summary>
    public async Task<string> GetServerConnectionStringAsync(CancellationToken ct = default)
    {
        var mariaDb = await _mariaDb.Value.WaitAsync(ct);
        mariaDb.ThrowIfExited();
        return mariaDb.RootConnectionString;
    }

    /// <summary>
    /// Creates a new empty database whose name is <paramref name="prefix"/> plus a unique suffix, and returns its
    /// connection string. When <paramref name="migrate"/> is true, applies <see cref="SchemaMigrator"/> to it first.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string prefix, bool migrate = true, CancellationToken ct = default) =>
        await CreateDatabaseOnAsync(await GetServerConnectionStringAsync(ct), prefix, migrate, ct);

    /// <summary>As <see cref="CreateDatabaseAsync(string, bool, CancellationToken)"/>, on another server (a failover run's own MariaDB).</summary>
    public static async Task<string> CreateDatabaseOnAsync(string server, string prefix, bool migrate, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        // The name is spliced into SQL (identifiers cannot be parameters), so only a plain prefix is accepted.
        if (prefix.Length is < 1 or > 32 || !prefix.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException("Use 1 to 32 letters, digits or underscores, such as \"auth_\".", nameof(prefix));
        }

        var name = prefix + Guid.NewGuid().ToString("N");
        await using (var connection = new MySqlConnection(server))
        {
            await connection.OpenAsync(ct);
            await using var command = new MySqlCommand(
                $"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", connection);
            await command.ExecuteNonQueryAsync(ct);
        }

        var database = new MySqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        if (migrate)
        {
            await SchemaMigrator.MigrateAsync(database, ct);
        }

        return database;
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        await _disposing.CancelAsync();
        if (_mariaDb.IsValueCreated)
        {
            await DisposeStartedAsync(_mariaDb.Value);
        }

        if (_redis.IsValueCreated)
        {
            await DisposeStartedAsync(_redis.Value);
        }

        if (_coturn.IsValueCreated)
        {
            await DisposeStartedAsync(_coturn.Value);
        }

        if (_directory.IsValueCreated)
        {
            RunDirectory.Delete(_directory.Value);
        }

        _disposing.Dispose();
    }

    private static async Task DisposeStartedAsync<TServer>(Task<TServer> start)
        where TServer : IAsyncDisposable
    {
        // A start that failed or was cancelled has already ended its own process; only a running server needs stopping.
        await ((Task)start).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (start.IsCompletedSuccessfully)
        {
            var server = await start;
            await server.DisposeAsync();
        }
    }

    private void KillOnExit(object? sender, EventArgs e)
    {
        if (_mariaDb.IsValueCreated && _mariaDb.Value.IsCompletedSuccessfully)
        {
            _mariaDb.Value.Result.Kill();
        }

        if (_redis.IsValueCreated && _redis.Value.IsCompletedSuccessfully)
        {
            _redis.Value.Result.Kill();
        }

        if (_coturn.IsValueCreated && _coturn.Value.IsCompletedSuccessfully)
        {
            _coturn.Value.Result.Kill();
        }
    }
}
