using System.Text;
using System.Text.RegularExpressions;

namespace Dilemma.Grains.Interfaces.Accounts;

/// <summary>
/// Limits on account fields. Both the gateway (shape checks) and the accounts grain (the rule
/// itself) use these, so a change here changes both.
/// </summary>
public static partial class AccountRules
{
    public const int UsernameMinLength = 3;
    public const int UsernameMaxLength = 32;
    public const int PasswordMinLength = 8;

    /// <summary>bcrypt reads at most 72 bytes; longer passwords are refused, never truncated.</summary>
    public const int PasswordMaxBytes = 72;

    public const int EmailMaxLength = 254;
    public const int NicknameMaxLength = 32;
    public const int GuestIdMaxLength = 64;

    /// <summary>
    /// 15 minutes: roles are read into a token when it is issued, so a revoked role keeps working
    /// until the token expires; a short lifetime bounds that, and the refresh token keeps people
    /// signed in meanwhile. The gateway issues tokens for this long; embedded mode forgets no guest
    /// whose token may still be valid.
    /// </summary>
    public const int DefaultAccessTokenMinutes = 15;

    /// <summary>How far the gateway lets an access token's expiry and the clocks of its issuer and checker disagree.</summary>
    public static readonly TimeSpan AccessTokenClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a revoked sign-in must be remembered for none of its access tokens to work again: their lifetime, the
    /// clock skew accepted past expiry, and a minute more, since a refresh that raced the sign-out has its access token
    /// minted at the edge a little after the store revoked the family.
    /// </summary>
    public static TimeSpan RevocationMemory(TimeSpan accessTokenLifetime) => accessTokenLifetime + AccessTokenClockSkew + TimeSpan.FromMinutes(1);

    /// <summary>
    /// The shortest guest id that is taken as a device credential: anything shorter could be
    /// guessed, so it starts a new guest with a server-issued id instead.
    /// </summary>
    public const int GuestIdCredentialMinLength = 32;

    /// <summary>Letters (any script), digits, underscore, dot and hyphen.</summary>
    [GeneratedRegex(@"^[\p{L}\p{Nd}_.\-]+\z", RegexOptions.CultureInvariant)]
    public static partial Regex UsernamePattern();

    /// <summary>Something@something.something, with no spaces, control or format characters (a NUL, a bell, U+202E).</summary>
    [GeneratedRegex(@"^[^@\s\p{C}]+@[^@\s\p{C}]+\.[^@\s\p{C}]+\z", RegexOptions.CultureInvariant)]
    public static partial Regex EmailPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_\-]+\z", RegexOptions.CultureInvariant)]
    public static partial Regex GuestIdPattern();

    /// <summary>
    /// The form in which usernames are compared: uniqueness is case-insensitive, and text that
    /// looks the same (composed or decomposed Hangul, say) is the same name.
    /// </summary>
    public static string NormalizeUsername(string username) =>
        username.Normalize(NormalizationForm.FormC).ToUpperInvariant();

    public static int PasswordByteCount(string password) => Encoding.UTF8.GetByteCount(password);
}
