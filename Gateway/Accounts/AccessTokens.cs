using System.Security.Claims;
using Dilemma.Grains.Interfaces.Accounts;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Dilemma.Gateway.Accounts;

/// <summary>Mints access tokens and knows the claims in them.</summary>
public sealed class AccessTokens(JwtSettings settings, TimeProvider time)
{
    public const string ResearcherRole = AccountRoles.Researcher;
    public const string AdminRole = AccountRoles.Admin;
    public const string GuestClaim = "is_guest";
    private readonly JsonWebTokenHandler _handler = new();

    public string Issue(UserProfile user)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = user.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [JwtRegisteredClaimNames.Name] = user.Username,
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            [GuestClaim] = user.IsGuest,
        };
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

    public static long UserIdOf(ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirstValue(JwtRegisteredClaimNames.Sub), out var id)
            ? id
            : throw new InvalidOperationException("An authenticated principal without a numeric 'sub' claim reached an endpoint.");
}
