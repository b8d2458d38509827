using System.Security.Cryptography;
using System.Text;
using Dilemma.Gateway.Hosting;
using Dilemma.Grains.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace Dilemma.Gateway.Accounts;

/// <summary>Access-token settings (section <c>Auth</c>), read and checked once at start-up.</summary>
public sealed record JwtSettings(
    SymmetricSecurityKey SigningKey,
    bool KeyWasGenerated,
    string Issuer,
    string Audience,
    TimeSpan AccessTokenLifetime,
    TimeSpan WsTicketLifetime,
    IReadOnlySet<string> Researchers)
{
    public const int MinimumKeyBytes = 32;
    private const string KeyName = "Auth:JwtKey";

    public static JwtSettings Read(IConfiguration configuration, GatewayMode mode)
    {
        var section = configuration.GetSection("Auth");
        var keyText = section["JwtKey"];
        var generated = string.IsNullOrEmpty(keyText);
        byte[] key;
        if (generated)
        {
            if (mode == GatewayMode.Cluster)
            {
                // Every gateway of a cluster must sign and accept the same tokens.
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

        var researchers = section.GetSection("Researchers").Get<string[]>() ?? [];
        return new JwtSettings(
            new SymmetricSecurityKey(key),
            generated,
            section["Issuer"] is { Length: > 0 } issuer ? issuer : "dilemma",
            section["Audience"] is { Length: > 0 } audience ? audience : "dilemma",
            TimeSpan.FromMinutes(PositiveInt(section, "AccessTokenMinutes", 60)),
            TimeSpan.FromSeconds(PositiveInt(section, "WsTicketSeconds", 30)),
            researchers.Select(Dilemma.Grains.Interfaces.Accounts.AccountRules.NormalizeUsername).ToHashSet(StringComparer.Ordinal));
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
