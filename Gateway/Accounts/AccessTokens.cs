using System.Security.Claims;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Errors;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Dilemma.Gateway.Accounts;

/// <summary>Mints access tokens and knows the claims in them.</summary>
public sealed class AccessTokens(JwtSettings settings, TimeProvider time)
{
    public const string ResearcherRole = AccountRoles.Researcher;
    public const string AdminRole = AccountRoles.Admin;

    /// <summary>
    /// The admin role as the access token carries it, not read again from the store: for the Orleans dashboard, whose page
    /// asks several times a second and must keep working while the database does not.
    /// </summary>
    public const string AdminTokenPolicy = "admin-token";
    public const string GuestClaim = "is_guest";

    /// <summary>
    /// The sign-in (refresh-token family) a token was minted for, as <see cref="AccountSession.SignInId"/> names it: a
    /// token of a revoked sign-in is refused (<see cref="SignInRevocations"/>). The registered claim for a session id.
    /// </summary>
    public const string SignInClaim = JwtRegisteredClaimNames.Sid;

    private readonly JsonWebTokenHandler _handler = new();

    /// <summary>An access token for <paramref name="user"/>; <paramref name="signInId"/> null only where no sign-in stands behind it (the warm-up).</summary>
    public string Issue(UserProfile user, string? signInId)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = user.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [JwtRegisteredClaimNames.Name] = user.Username,
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            [GuestClaim] = user.IsGuest,
        };
        if (signInId is not null)
        {
            claims[SignInClaim] = signInId;
        }

        // The roles stored when the token is issued; a change shows in the next token (refresh).
        if (user.Roles.Count > 0)
        {
            claims["role"] = user.Roles.ToArray();
        }

        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + settings.AccessTokenLifetime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(settings.SigningKey, SecurityAlgorithms.HmacSha256),
        });
    }

    public int LifetimeSeconds => (int)settings.AccessTokenLifetime.TotalSeconds;

    /// <summary>
    /// The user a token speaks for. Authentication already refuses a token whose <c>sub</c> is not
    /// a user id (<see cref="HasUserId"/>); this answers 401 rather than 500 should one get past.
    /// </summary>
    public static long UserIdOf(ClaimsPrincipal principal) =>
        TryUserIdOf(principal, out var id)
            ? id
            : throw RuleViolationException.Unauthorized("invalid_token", "The access token is not valid.");

    /// <summary>Whether a signed token names a user: its <c>sub</c> is a positive whole number, as <see cref="Issue"/> writes it.</summary>
    public static bool HasUserId(ClaimsPrincipal principal) => TryUserIdOf(principal, out _);

    private static bool TryUserIdOf(ClaimsPrincipal principal, out long id) =>
        long.TryParse(principal.FindFirstValue(JwtRegisteredClaimNames.Sub), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id) && id > 0;
}
