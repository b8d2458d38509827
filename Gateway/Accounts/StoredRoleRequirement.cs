using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Errors;
using Microsoft.AspNetCore.Authorization;

namespace Dilemma.Gateway.Accounts;

/// <summary>
/// The caller holds <see cref="Role"/> now, in the account store, not only in the access token: a token outlives a role
/// taken away by up to <c>Auth:AccessTokenMinutes</c>, and the research data and the accounts are not to be read for
/// that long by someone an admin has just shut out. Paired with the token's own role, which is checked first, so a
/// caller without it costs no grain call.
/// </summary>
public sealed record StoredRoleRequirement(string Role) : IAuthorizationRequirement;

/// <summary>
/// Reads the caller's stored roles (<see cref="IUserGrain.GetRolesAsync"/>) for <see cref="StoredRoleRequirement"/>. A token
/// whose account is gone holds no role: 403, as for a role taken away, rather than the user grain's 404 on an endpoint
/// that is not about that user.
/// </summary>
public sealed class StoredRoleHandler(IGrainFactory grains) : AuthorizationHandler<StoredRoleRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, StoredRoleRequirement requirement)
    {
        if (!context.User.IsInRole(requirement.Role) || !AccessTokens.HasUserId(context.User))
        {
            return;
        }

        var cancellationToken = context.Resource is HttpContext http ? http.RequestAborted : CancellationToken.None;
        UserRoles stored;
        try
        {
            stored = await grains.GetGrain<IUserGrain>(AccessTokens.UserIdOf(context.User)).GetRolesAsync(cancellationToken);
        }
        catch (RuleViolationException e) when (e.Kind == RuleViolationKind.NotFound)
        {
            return;
        }

        if (stored.Roles.Contains(requirement.Role, StringComparer.Ordinal))
        {
            context.Succeed(requirement);
        }
    }
}
