using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Errors;
using Dilemma.Gateway.Validation;
using Dilemma.Grains.Interfaces.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Dilemma.Gateway.Admin;

/// <summary>
/// The <c>/admin</c> endpoints (role <c>admin</c>): an account's roles, replaced as a set, and
/// the audit of every change. A change shows in the user's next access token (refresh).
/// </summary>
public static class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/admin/users", FindUserAsync).WithTags("Admin").RequireAuthorization(AccessTokens.AdminRole)
            .WithSummary("Admins only: the registered account with this username (any letter case) and its roles; 404 user_not_found (field username)")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        var roles = endpoints.MapGroup("/admin/users/{user_id}/roles").WithTags("Admin").RequireAuthorization(AccessTokens.AdminRole);

        roles.MapGet("/", GetRolesAsync)
            .WithSummary("Admins only: the roles stored for a user").ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        roles.MapPut("/", ReplaceRolesAsync).Validates<RolesRequest>()
            .WithSummary("Admins only: replace a user's roles (admin, researcher, facilitator); audited; effective at the user's next token refresh")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        roles.MapGet("/audit", GetAuditAsync)
            .WithSummary("Admins only: every grant and revocation of a user's roles, newest first: who, which role, when")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        return roles;
    }

    /// <summary>An admin knows people by their username, not by the id the role endpoints take.</summary>
    public static async Task<Results<Ok<UserRolesResponse>, ProblemHttpResult>> FindUserAsync(
        [FromQuery(Name = "username")] string? username,
        IGrainFactory grains,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(username) || username.Length > AccountRules.UsernameMaxLength)
        {
            return (ProblemHttpResult)Problems.Create(
                StatusCodes.Status400BadRequest,
                "invalid_username",
                $"username is 1 to {AccountRules.UsernameMaxLength} characters.",
                new Dictionary<string, string[]> { ["username"] = ["username is required."] },
                field: "username");
        }

        if (await grains.GetGrain<IAccountsGrain>(0).FindUserIdAsync(username.Trim(), cancellationToken) is not { } userId)
        {
            return (ProblemHttpResult)Problems.Create(StatusCodes.Status404NotFound, "user_not_found", "No registered account has that username.", field: "username");
        }

        return TypedResults.Ok(Describe(await grains.GetGrain<IUserGrain>(userId).GetRolesAsync(cancellationToken)));
    }

    public static async Task<Ok<UserRolesResponse>> GetRolesAsync([FromRoute(Name = "user_id")] long userId, IGrainFactory grains, CancellationToken cancellationToken) =>
        TypedResults.Ok(Describe(await grains.GetGrain<IUserGrain>(userId).GetRolesAsync(cancellationToken)));

    public static async Task<Results<Ok<UserRolesResponse>, ProblemHttpResult>> ReplaceRolesAsync(
        [FromRoute(Name = "user_id")] long userId,
        RolesRequest request,
        ClaimsPrincipal principal,
        IGrainFactory grains,
        CancellationToken cancellationToken)
    {
        if (request.Roles!.Any(role => role is null))
        {
            return (ProblemHttpResult)Problems.Create(
                StatusCodes.Status422UnprocessableEntity,
                "unknown_role",
                $"Every item of roles is one of {string.Join(", ", AccountRoles.All)}; null is not a role.",
                new Dictionary<string, string[]> { ["roles"] = ["null is not a role."] },
                field: "roles");
        }

        var roles = await grains.GetGrain<IUserGrain>(userId).ReplaceRolesAsync(AccessTokens.UserIdOf(principal), request.Roles!.Select(r => r!).ToList(), cancellationToken);
        return TypedResults.Ok(Describe(roles));
    }

    public static async Task<Ok<RoleAuditResponse>> GetAuditAsync([FromRoute(Name = "user_id")] long userId, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var changes = await grains.GetGrain<IUserGrain>(userId).GetRoleChangesAsync(cancellationToken);
        return TypedResults.Ok(new RoleAuditResponse(
            userId,
            changes.Select(c => new RoleChangeResponse(c.Role, c.Granted ? "granted" : "revoked", c.ChangedByUserId, c.ChangedBy, c.ChangedAt)).ToList()));
    }

    private static UserRolesResponse Describe(UserRoles roles) => new(roles.UserId, roles.Username, roles.Roles);
}

/// <summary>The whole new set of a user's roles; roles not listed are revoked.</summary>
public sealed record RolesRequest([property: Required, MaxLength(16)] IReadOnlyList<string?>? Roles);

public sealed record UserRolesResponse(long UserId, string Username, IReadOnlyList<string> Roles);

/// <summary>A user's role audit, newest first.</summary>
public sealed record RoleAuditResponse(long UserId, IReadOnlyList<RoleChangeResponse> Items);

/// <summary>
/// One grant or revocation. <c>changed_by_user_id</c> is the admin who made it, or null when the
/// operator's command (<c>changed_by</c> = <c>operator:NAME</c>) or the embedded setup code
/// (<c>setup-code</c>) did.
/// </summary>
public sealed record RoleChangeResponse(string Role, string Change, long? ChangedByUserId, string ChangedBy, DateTimeOffset ChangedAt);
