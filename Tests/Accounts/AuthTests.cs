using Dapper;
using Dilemma.Grains.Accounts;
using Dilemma.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Dilemma.Tests.Accounts;

/// <summary>The auth contract in embedded mode: in-process silo, in-memory store.</summary>
public sealed class EmbeddedAuthTests(EmbeddedGatewayFixture gateway)
    : AuthContractTests(gateway.Client, gateway.Grains), IClassFixture<EmbeddedGatewayFixture>
{
    protected override async Task<string?> StoredPasswordHashAsync(long userId)
    {
        var store = gateway.Factory.Services.GetRequiredService<IAccountStore>();
        return (await store.FindByIdAsync(userId, TestContext.Current.CancellationToken))?.PasswordHash;
    }
}

/// <summary>The auth contract in cluster mode: a silo on MariaDB and Redis, the gateway as a client.</summary>
public sealed class ClusterAuthTests(ClusterGatewayFixture cluster)
    : AuthContractTests(cluster.Client, cluster.Grains), IClassFixture<ClusterGatewayFixture>
{
    protected override async Task<string?> StoredPasswordHashAsync(long userId)
    {
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        return await connection.QuerySingleOrDefaultAsync<string>("SELECT password_hash FROM users WHERE id = @userId", new { userId });
    }

    [Fact]
    public async Task Refresh_tokens_are_stored_only_as_their_sha256()
    {
        var pair = await Client.GuestAsync(TestContext.Current.CancellationToken);

        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var stored = (await connection.QueryAsync<byte[]>("SELECT token_hash FROM refresh_tokens WHERE user_id = @UserId", new { pair.UserId })).ToList();
        Assert.Single(stored);
        Assert.Equal(RefreshTokens.HashOf(pair.RefreshToken), stored[0]);
        var raw = await connection.QuerySingleAsync<long>(
            "SELECT COUNT(*) FROM refresh_tokens WHERE user_id = @UserId AND (HEX(token_hash) = HEX(@Token) OR token_hash = @Token)",
            new { pair.UserId, Token = pair.RefreshToken });
        Assert.Equal(0, raw);
    }
}
