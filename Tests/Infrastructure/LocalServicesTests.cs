using MySqlConnector;
using StackExchange.Redis;

namespace Dilemma.Tests.Infrastructure;

public sealed class LocalServicesTests(LocalServices services)
{
    [Fact]
    public async Task MariaDb_answers_with_its_version_and_no_database_selected()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var connection = new MySqlConnection(await services.GetServerConnectionStringAsync(ct));
        await connection.OpenAsync(ct);

        await using var command = new MySqlCommand("SELECT VERSION(), DATABASE()", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        Assert.True(await reader.ReadAsync(ct));
        Assert.Contains("MariaDB", reader.GetString(0), StringComparison.Ordinal);
        Assert.True(await reader.IsDBNullAsync(1, ct));
    }

    [Fact]
    public async Task Created_databases_are_distinct_and_empty()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await services.CreateDatabaseAsync("probe_", migrate: false, ct);
        var second = await services.CreateDatabaseAsync("probe_", migrate: false, ct);

        var firstName = new MySqlConnectionStringBuilder(first).Database;
        var secondName = new MySqlConnectionStringBuilder(second).Database;
        Assert.StartsWith("probe_", firstName, StringComparison.Ordinal);
        Assert.StartsWith("probe_", secondName, StringComparison.Ordinal);
        Assert.NotEqual(firstName, secondName);
        foreach (var (connectionString, name) in new[] { (first, firstName), (second, secondName) })
        {
            await using var connection = new MySqlConnection(connectionString);
            await connection.OpenAsync(ct);
            await using var command = new MySqlCommand(
                "SELECT DATABASE(), (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE())",
                connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            Assert.True(await reader.ReadAsync(ct));
            Assert.Equal(name, reader.GetString(0));
            Assert.Equal(0, reader.GetInt64(1));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("x`; DROP DATABASE mysql; -- ")]
    [InlineData("a_prefix_that_is_longer_than_32_chars_")]
    public async Task Database_prefix_must_be_a_plain_identifier(string prefix)
    {
        var ct = TestContext.Current.CancellationToken;
        await Assert.ThrowsAsync<ArgumentException>(() => services.CreateDatabaseAsync(prefix, migrate: false, ct));
    }

    [Fact]
    public async Task Redis_answers_ping_and_returns_what_was_set()
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = await services.GetRedisConnectionStringAsync(ct);
        Assert.Matches(@"^127\.0\.0\.1:\d+$", connectionString);

        await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString);
        var database = redis.GetDatabase();
        Assert.Equal("PONG", (await database.ExecuteAsync("PING")).ToString());

        var key = $"probe:{Guid.NewGuid():N}";
        Assert.True(await database.StringSetAsync(key, "value", TimeSpan.FromMinutes(1)));
        Assert.Equal("value", (string?)await database.StringGetAsync(key));
    }
}
