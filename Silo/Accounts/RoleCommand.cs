using Dilemma.Grains.Accounts;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Storage;
using MySqlConnector;

namespace Dilemma.Silo.Accounts;

/// <summary>
/// <c>grant-role USERNAME ROLE</c> and <c>revoke-role USERNAME ROLE</c>: the operator changes one
/// role of a registered account, straight in the database, audited as the operator (with the
/// name of the OS account that ran it).
/// </summary>
public static class RoleCommand
{
    public const string Grant = "grant-role";
    public const string Revoke = "revoke-role";

    public static async Task<int> RunAsync(string[] args, string mySql, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args is not [var command, var username, var role])
        {
            await error.WriteLineAsync($"Usage: {args[0]} USERNAME ROLE (roles: {string.Join(", ", AccountRoles.All)}).");
            return 64;
        }

        await SchemaMigrator.MigrateAsync(mySql, cancellationToken);
        await using var dataSource = new MySqlDataSource(mySql);
        var grant = command == Grant;
        try
        {
            var result = await OperatorRoles.ChangeAsync(
                new MySqlAccountStore(dataSource),
                username,
                role,
                grant,
                RoleActor.Operator(Environment.UserName),
                DateTime.UtcNow,
                cancellationToken);
            var held = result.Roles.Count == 0 ? "none" : string.Join(", ", result.Roles);
            await output.WriteLineAsync($"{(grant ? "Granted" : "Revoked")} {role} {(grant ? "to" : "from")} {result.Username} (user {result.UserId}); roles now: {held}. It takes effect at their next sign-in or token refresh.");
            return 0;
        }
        catch (RuleViolationException e)
        {
            await error.WriteLineAsync(e.Message);
            return 1;
        }
    }
}
