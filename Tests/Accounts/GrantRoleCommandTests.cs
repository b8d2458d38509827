using Dapper;
using Dilemma.Grains.Accounts;
using Dilemma.Tests.Deployment;
using Dilemma.Tests.Infrastructure;
using MySqlConnector;

namespace Dilemma.Tests.Accounts;

/// <summary>The operator's <c>grant-role</c> and <c>revoke-role</c>, run as the built silo against real MariaDB.</summary>
public sealed class GrantRoleCommandTests(LocalServices services)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Grant_and_revoke_change_the_stored_roles_and_are_audited_as_the_operator()
    {
        var database = await services.CreateDatabaseAsync("roles_", migrate: true, Ct);
        var name = AuthClient.UniqueName("op");
        var userId = await CreateUserAsync(database, name);

        var granted = await RunAsync(database, "grant-role", name, "admin");
        var revoked = await RunAsync(database, "revoke-role", name.ToUpperInvariant(), "admin");

        Assert.True(granted.ExitCode == 0, granted.Output);
        Assert.StartsWith($"Granted admin to {name} (user {userId}); roles now: admin.", granted.Stdout.Trim(), StringComparison.Ordinal);
        Assert.True(revoked.ExitCode == 0, revoked.Output);
        Assert.StartsWith($"Revoked admin from {name} (user {userId}); roles now: none.", revoked.Stdout.Trim(), StringComparison.Ordinal);
        await using var connection = new MySqlConnection(database);
        Assert.Equal(0, await connection.QuerySingleAsync<long>("SELECT COUNT(*) FROM user_roles WHERE user_id = @userId", new { userId }));
        var audit = (await connection.QueryAsync<(string Role, string ChangeType, long? ChangedBy, string ChangedByName)>(
            "SELECT role, change_type, changed_by, changed_by_name FROM role_changes WHERE user_id = @userId ORDER BY id", new { userId })).ToList();
        Assert.Equal(2, audit.Count);
        Assert.Equal(("admin", "granted"), (audit[0].Role, audit[0].ChangeType));
        Assert.Equal(("admin", "revoked"), (audit[1].Role, audit[1].ChangeType));
        Assert.All(audit, row =>
        {
            Assert.Null(row.ChangedBy);
            Assert.StartsWith("operator:", row.ChangedByName, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData("nobody_here_at_all", "admin", 1)]
    [InlineData(null, "superuser", 1)]
    [InlineData(null, null, 64)]
    public async Task Unknown_users_roles_and_missing_arguments_are_refused_with_one_line(string? username, string? role, int exitCode)
    {
        var database = await services.CreateDatabaseAsync("roles_", migrate: true, Ct);
        var name = AuthClient.UniqueName("op");
        await CreateUserAsync(database, name);

        var result = role is null ? await RunAsync(database, "grant-role", name) : await RunAsync(database, "grant-role", username ?? name, role);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
        await using var connection = new MySqlConnection(database);
        Assert.Equal(0, await connection.QuerySingleAsync<long>("SELECT COUNT(*) FROM user_roles"));
    }

    /// <summary>Runs the built silo's command as an operator would, with only ConnectionStrings__MySql set.</summary>
    internal static Task<Command.Result> RunAsync(string database, params string[] arguments)
    {
        var output = Repository.BuildOutput("Silo");
        var environment = Command.WithoutInheritedSettings().Append(new("ConnectionStrings__MySql", database)).ToList();
        return Command.RunAsync("dotnet", [Path.Combine(output, "Dilemma.Silo.dll"), .. arguments], output, TimeSpan.FromMinutes(2), environment);
    }

    private static async Task<long> CreateUserAsync(string database, string name)
    {
        await using var dataSource = new MySqlDataSource(database);
        var user = await new MySqlAccountStore(dataSource).TryCreateUserAsync(
            new NewUser(name, Dilemma.Grains.Interfaces.Accounts.AccountRules.NormalizeUsername(name), "$2a$12$notarealhashnotarealhashnotarealhashnotarealhashnotare", null, new ConsentDecision(false, false, "unversioned", DateTime.UtcNow), DateTime.UtcNow),
            Ct);
        return user!.Id;
    }
}
