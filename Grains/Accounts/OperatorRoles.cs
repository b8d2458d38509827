using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Errors;

namespace Dilemma.Grains.Accounts;

/// <summary>
/// The operator's way to grant and revoke a role (the silo's <c>grant-role</c> and
/// <c>revoke-role</c> commands): straight to the account store, audited under the operator's
/// name. It needs access to the database, which no stranger has, so the first admin cannot be raced.
/// </summary>
public static class OperatorRoles
{
    /// <summary>Grants or revokes one role of the user with this username and returns the roles held now.</summary>
    public static async Task<UserRoles> ChangeAsync(
        IAccountStore store,
        string username,
        string role,
        bool grant,
        RoleActor actor,
        DateTime now,
        CancellationToken cancellationToken)
    {
        if (!AccountRoles.IsKnown(role))
        {
            throw RuleViolationException.Invalid("unknown_role", "role", $"'{role}' is not a role; roles are {string.Join(", ", AccountRoles.All)}.");
        }

        var user = await store.FindByUsernameKeyAsync(AccountRules.NormalizeUsername(username), cancellationToken)
            ?? throw RuleViolationException.NotFound("user_not_found", $"No registered user is named '{username}'.");
        var roles = await store.ChangeRolesAsync(
            user.Id,
            (_, current) => grant ? [.. current, role] : current.Where(r => r != role).ToList(),
            actor,
            now,
            cancellationToken) ?? throw RuleViolationException.NotFound("user_not_found", $"No registered user is named '{username}'.");
        return new UserRoles(user.Id, user.ToProfile().Username, roles);
    }
}
