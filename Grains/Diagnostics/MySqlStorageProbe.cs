using Dilemma.Grains.Interfaces.Diagnostics;
using MySqlConnector;

namespace Dilemma.Grains.Diagnostics;

public sealed class MySqlStorageProbe(MySqlDataSource dataSource) : IStorageProbe
{
    public async Task<DependencyReport> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new MySqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return new DependencyReport("mysql", true, true, $"MySQL {connection.ServerVersion} answered.");
        }
        catch (MySqlException e)
        {
            return new DependencyReport("mysql", false, true, $"MySQL did not answer: {e.Message}");
        }
    }
}
