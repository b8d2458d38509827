using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Hosting.Settings;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Dilemma.Gateway.Accounts;

/// <summary>Access-token settings (section <c>Auth</c>), bound and checked at start-up.</summary>
public sealed class JwtSettings
{
    public const string SectionName = "Auth";

    public const int MinimumKeyBytes = 32;

    private readonly Lazy<SymmetricSecurityKey> _signingKey;

    public JwtSettings()
    {
        // Made once per process: a gateway without a configured key signs with a random one until it stops.
        _signingKey = new(() => new SymmetricSecurityKey(KeyWasGenerated ? RandomNumberGenerator.GetBytes(MinimumKeyBytes) : Encoding.UTF8.GetBytes(JwtKey!)));
    }

    /// <summary><c>Auth:JwtKey</c>, at least <see cref="MinimumKeyBytes"/> bytes; a random key when unset (embedded mode only).</summary>
    [NotExamplePlaceholder]
    public string? JwtKey { get; set; }

    public string Issuer { get; set; } = "dilemma";

    public string Audience { get; set; } = "dilemma";

    [Range(1, int.MaxValue)]
    public int AccessTokenMinutes { get; set; } = AccountRules.DefaultAccessTokenMinutes;

    [Range(1, int.MaxValue)]
    public int WsTicketSeconds { get; set; } = 30;

    /// <summary>
    /// How often this gateway asks the cluster for sign-ins revoked through another gateway: the longest a signed-out
    /// access token keeps working elsewhere. Each poll is one small grain call per gateway, never one per request.
    /// </summary>
    [Range(1, 60)]
    public int RevocationPollSeconds { get; set; } = 1;

    /// <summary>The old way to make researchers (whoever registered a listed name first got the role); refused when set.</summary>
    public string[] Researchers { get; set; } = [];

    public bool KeyWasGenerated => string.IsNullOrEmpty(JwtKey);

    public SymmetricSecurityKey SigningKey => _signingKey.Value;

    public TimeSpan AccessTokenLifetime => TimeSpan.FromMinutes(AccessTokenMinutes);

    public TimeSpan WsTicketLifetime => TimeSpan.FromSeconds(WsTicketSeconds);

    public TimeSpan RevocationPollInterval => TimeSpan.FromSeconds(RevocationPollSeconds);
}

/// <summary>
/// The key's rules; <paramref name="keyRequired"/> is true when the gateway is one of a cluster's, where
/// every gateway must sign and accept the same tokens, so none may make up its own key.
/// </summary>
public sealed class JwtSettingsValidator(bool keyRequired) : IValidateOptions<JwtSettings>
{
    private const string KeyName = "Auth:JwtKey";

    public ValidateOptionsResult Validate(string? name, JwtSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.KeyWasGenerated)
        {
            if (keyRequired)
            {
                failures.Add(SettingsValidation.Failure(KeyName, $"is required in cluster mode (at least {JwtSettings.MinimumKeyBytes} bytes)"));
            }
        }
        else if (Encoding.UTF8.GetByteCount(options.JwtKey!) is var length && length < JwtSettings.MinimumKeyBytes)
        {
            // The length, never the value: this message is printed.
            failures.Add(SettingsValidation.Failure(KeyName, $"must be at least {JwtSettings.MinimumKeyBytes} bytes long, it has {length}"));
        }

        if (options.Researchers.Any(value => !string.IsNullOrWhiteSpace(value)))
        {
            failures.Add(SettingsValidation.Failure(
                "Auth:Researchers",
                "is no longer read: roles are stored per account; remove it and grant roles with `dotnet run --project Silo -- grant-role USERNAME researcher` or PUT /admin/users/{user_id}/roles"));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
