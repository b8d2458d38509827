namespace Dilemma.Grains.Storage;

/// <summary>Applies this project's versioned schema (Orleans storage and research tables) to MySQL/MariaDB.</summary>
public static class SchemaMigrator
{
    /// <summary>Brings the database named in <paramref name="connectionString"/> up to the newest version; safe to run twice and from several processes at once.</summary>
    public static Task MigrateAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        cancellationToken.ThrowIfCancellationRequested();
        throw new NotImplementedException("Being written: FluentMigrator migrations.");
    }
}
