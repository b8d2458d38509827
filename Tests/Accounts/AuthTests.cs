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
    public async Task The_operators_grant_role_command_makes_an_admin_whose_next_sign_in_carries_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var admin = await Client.RegisterAsync(AuthClient.UniqueName("adm"), "correct horse battery", ct);
        var user = await Client.RegisterAsync(AuthClient.UniqueName(), "correct horse battery", ct);

        var result = await GrantRoleCommandTests.RunAsync(cluster.Deployment.MySqlConnectionString, "grant-role", admin.Username, "admin");

        Assert.True(result.ExitCode == 0, result.Output);
        var signedIn = await HttpAssert.OkAsync<TokenPair>(await Client.PostJsonAsync("/auth/login", new { username = admin.Username, password = "correct horse battery" }, ct));
        var granted = await Client.SendAsync(
            AuthClient.Authorized(HttpMethod.Put, $"/admin/users/{user.UserId}/roles", signedIn.AccessToken, System.Net.Http.Json.JsonContent.Create(new { roles = new[] { "facilitator" } })), ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, granted.StatusCode);
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        Assert.Equal(
            ["facilitator"],
            await connection.QueryAsync<string>("SELECT role FROM user_roles WHERE user_id = @UserId", new { user.UserId }));
        Assert.Equal(
            admin.UserId,
            await connection.QuerySingleAsync<long?>("SELECT changed_by FROM role_changes WHERE user_id = @UserId", new { user.UserId }));
    }

    [Fact]
    public async Task A_setup_code_opens_nothing_in_cluster_mode_and_none_is_printed()
    {
        var response = await Client.PostJsonAsync(
            "/auth/register",
            new { username = AuthClient.UniqueName(), password = "correct horse battery", setup_code = new string('A', 32) },
            TestContext.Current.CancellationToken);

        await HttpAssert.ProblemAsync(response, System.Net.HttpStatusCode.Forbidden, "invalid_setup_code");
        Assert.DoesNotContain(cluster.Factory.Logs.Lines, line => line.Contains("setup code", StringComparison.Ordinal));
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
