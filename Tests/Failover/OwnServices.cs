using Dilemma.Tests.Infrastructure;

namespace Dilemma.Tests.Failover;

/// <summary>
/// A MariaDB and a Redis of the failover run's own, started like <see cref="LocalServices"/> starts the shared
/// ones (own processes, ports and data directories), so the run can restart them without disturbing the tests
/// that share the others. Redis keeps an append-only file, as deploy/ runs it: the membership table must
/// survive a restart (docs/deploy.md, "When Redis or MariaDB restarts").
/// </summary>
internal sealed class OwnServices : IAsyncDisposable
{
    private readonly MariaDbServer _mariaDb;
    private readonly RedisServer _redis;

    private OwnServices(MariaDbServer mariaDb, RedisServer redis)
    {
        _mariaDb = mariaDb;
        _redis = redis;
    }

    /// <summary>Root, no database selected.</summary>
    public string MySqlServer => _mariaDb.RootConnectionString;

    public string Redis => _redis.ConnectionString;

    public static async Task<OwnServices> StartAsync(string directory, CancellationToken cancellationToken)
    {
        var mariaDb = MariaDbServer.StartAsync(Path.Combine(directory, "mariadb"), cancellationToken);
        var redis = RedisServer.StartAsync(Path.Combine(directory, "redis"), cancellationToken, appendOnly: true);
        try
        {
            await Task.WhenAll(mariaDb, redis);
        }
        catch
        {
            // The one that did start must not outlive the failed run.
            await DisposeIfStartedAsync(mariaDb);
            await DisposeIfStartedAsync(redis);
            throw;
        }

        return new OwnServices(await mariaDb, await redis);
    }

    public Task RestartRedisAsync(CancellationToken cancellationToken) => _redis.RestartAsync(cancellationToken);

    public Task RestartMariaDbAsync(CancellationToken cancellationToken) => _mariaDb.RestartAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _mariaDb.DisposeAsync();
    }

    private static async Task DisposeIfStartedAsync<T>(Task<T> start)
        where T : IAsyncDisposable
    {
        await ((Task)start).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (start.IsCompletedSuccessfully)
        {
            await (await start).DisposeAsync();
        }
    }
}
