using System.Security.Cryptography;
using System.Text;
using Dilemma.Grains.Settings;
using Microsoft.IdentityModel.Tokens;

namespace Dilemma.Gateway.Accounts;

/// <summary>Access-token settings (section <c>Auth</c>), read and checked once at start-up.</summary>
public sealed record JwtSettings(
    SymmetricSecurityKey SigningKey,
    bool KeyWasGenerated,
    string Issuer,
    string Audience,
    TimeSpan AccessTokenLifetime,
    TimeSpan WsTicketLifetime)
{
    /// <summary>
    /// 15 minutes: roles are read into a token when it is issued, so a revoked role keeps working
    /// until the token expires; a short lifetime bounds that, and the refresh token keeps people
    /// signed in meanwhile.
    /// </summary>
    public const int DefaultAccessTokenMinutes = 15;

    public const int MinimumKeyBytes = 32;
    private const string KeyName = "Auth:JwtKey";

    /// <summary>
    /// Reads the section; <paramref name="keyRequired"/> is true when the gateway is one of a cluster's,
    /// where every gateway must sign and accept the same tokens, so none may make up its own key.
    /// </summary>
    public static JwtSettings Read(IConfiguration configuration, bool keyRequired)
    {
        var section = configuration.GetSection("Auth");
        var keyText = section["JwtKey"];
        var generated = string.IsNullOrEmpty(keyText);
        byte[] key;
        if (generated)
        {
            if (keyRequired)
            {
                throw new InvalidSettingException(KeyName, $"is required in cluster mode (at least {MinimumKeyBytes} bytes)");
            }

            key = RandomNumberGenerator.GetBytes(MinimumKeyBytes);
        }
        else
        {
            key = Encoding.UTF8.GetBytes(keyText!);
            if (key.Length < MinimumKeyBytes)
            {
                throw new InvalidSettingException(KeyName, $"must be at least {MinimumKeyBytes} bytes long, it has {key.Length}");
            }
        }

        if (section.GetSection("Researchers").AsEnumerable().Any(pair => !string.IsNullOrWhiteSpace(pair.Value)))
        {
            // The old way to make researchers: whoever registered a listed name first got the role.
            throw new InvalidSettingException(
                "Auth:Researchers",
                "is no longer read: roles are stored per account; remove it and grant roles with `dotnet run --project Silo -- grant-role USERNAME researcher` or PUT /admin/users/{user_id}/roles");
        }

        return new JwtSettings(
            new SymmetricSecurityKey(key),
            generated,
            section["Issuer"] is { Length: > 0 } issuer ? issuer : "dilemma",
            section["Audience"] is { Length: > 0 } audience ? audience : "dilemma",
            TimeSpan.FromMinutes(PositiveInt(section, "AccessTokenMinutes", DefaultAccessTokenMinutes)),
            TimeSpan.FromSeconds(PositiveInt(section, "WsTicketSeconds", 30)));
    }

    private static int PositiveInt(IConfigurationSection section, string name, int fallback)
    {
        var text = section[name];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, out var value) && value > 0
            ? value
            : throw new InvalidSettingException($"{section.Path}:{name}", $"must be a positive whole number, not '{text}'");
    }
}
