using Dapper;
using MySqlConnector;

namespace Dilemma.Tests.Infrastructure;

/// <summary>Finds the server's statement that waits on a lock a test holds, so the test can kill it at that point.</summary>
internal static class WaitingStatement
{
    /// <summary>The thread id of a statement starting with <paramref name="prefix"/> that names room <paramref name="code"/>, once there is one.</summary>
    public static async Task<long> FindAsync(MySqlConnection connection, string prefix, string code, string what, CancellationToken cancellationToken)
    {
        var id = 0L;
        await Eventually.UntilAsync(
            async () =>
            {
                id = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                    // Its own database only: room codes repeat across the run's databases, and a kill must not reach another test's statement.
                    "SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND info LIKE @prefix AND info LIKE @code",
                    new { prefix = prefix + "%", code = $"%'{code}'%" },
                    cancellationToken: cancellationToken)) ?? 0;
                return id != 0;
            },
            TimeSpan.FromSeconds(30),
            what,
            cancellationToken);
        return id;
    }
}
