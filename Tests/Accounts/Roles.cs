using System.Net;
using Dilemma.Grains.Accounts;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Tests.Hosting;

namespace Dilemma.Tests.Accounts;

/// <summary>
/// The one way tests give an account a role: the operator's path (<see cref="OperatorRoles"/>, what
/// <c>grant-role</c> runs) against the silo's own account store, then a token refresh, so the pair
/// returned carries the role exactly as a real user's next token would.
/// </summary>
public static class Roles
{
    public const string Password = "role-holder-password-1";

    /// <summary>Grants <paramref name="role"/> to the user of <paramref name="user"/> and returns their refreshed pair.</summary>
    public static async Task<TokenPair> GrantAsync(HttpClient client, IGrainFactory grains, TokenPair user, string role, CancellationToken cancellationToken)
    {
        await grains.GetGrain<IRoleOperatorProbeGrain>(0).GrantAsync(user.Username, role);
        return await RefreshAsync(client, user, cancellationToken);
    }

    /// <summary>A newly registered account holding <paramref name="role"/>, with a pair that carries it.</summary>
    public static async Task<TokenPair> NewAccountWithAsync(HttpClient client, IGrainFactory grains, string role, CancellationToken cancellationToken, string prefix = "r")
    {
        var registered = await client.RegisterAsync(AuthClient.UniqueName(prefix), Password, cancellationToken);
        return await GrantAsync(client, grains, registered, role, cancellationToken);
    }

    public static async Task<TokenPair> RefreshAsync(HttpClient client, TokenPair pair, CancellationToken cancellationToken) =>
        await HttpAssert.OkAsync<TokenPair>(await client.PostJsonAsync("/auth/refresh", new { refresh_token = pair.RefreshToken }, cancellationToken), HttpStatusCode.OK);
}

/// <summary>Runs the operator's role change inside the silo, where the account store is.</summary>
public interface IRoleOperatorProbeGrain : IGrainWithIntegerKey
{
    Task<UserRoles> GrantAsync(string username, string role);

    Task<UserRoles> RevokeAsync(string username, string role);
}

public sealed class RoleOperatorProbeGrain(IAccountStore store) : Grain, IRoleOperatorProbeGrain
{
    public Task<UserRoles> GrantAsync(string username, string role) =>
        OperatorRoles.ChangeAsync(store, username, role, grant: true, RoleActor.Operator("tests"), DateTime.UtcNow, CancellationToken.None);

    public Task<UserRoles> RevokeAsync(string username, string role) =>
        OperatorRoles.ChangeAsync(store, username, role, grant: false, RoleActor.Operator("tests"), DateTime.UtcNow, CancellationToken.None);
}
