using System.ComponentModel.DataAnnotations;
using Dilemma.Grains.Interfaces.Accounts;

namespace Dilemma.Gateway.Accounts;

// Shape limits here stop nonsense at the edge (a megabyte "password"); the account rules
// themselves (patterns, byte limits) are the accounts grain's.

/// <summary>
/// A registration; <c>setup_code</c> (embedded mode only) is the one-time code printed at start-up, which
/// makes this account the first admin. <c>consent_version</c> is the consent text (<c>GET /consent</c>) the
/// consents were given under; without it they are recorded as <c>unversioned</c>.
/// </summary>
public sealed record RegisterRequest(
    [property: Required, StringLength(AccountRules.UsernameMaxLength)] string? Username,
    [property: Required, StringLength(1024)] string? Password,
    [property: StringLength(AccountRules.EmailMaxLength)] string? Email,
    bool? DataConsent,
    bool? VoiceConsent,
    [property: StringLength(128)] string? SetupCode = null,
    [property: StringLength(ConsentRules.VersionMaxLength)] string? ConsentVersion = null);

public sealed record LoginRequest(
    [property: Required, StringLength(AccountRules.UsernameMaxLength)] string? Username,
    [property: Required, StringLength(1024)] string? Password);

/// <summary>
/// A guest sign-in. <c>guest_id</c> is a device's guest credential: one of at least 32 characters
/// always signs in the same guest; a shorter or absent one signs in a new guest, and the answer's
/// <c>guest_id</c> is the one to keep. The consents given on the sign-in screen come with it
/// (<c>data_consent</c>, <c>voice_consent</c>, <c>consent_version</c>); absent ones are left as they are.
/// </summary>
public sealed record GuestRequest(
    [property: StringLength(AccountRules.GuestIdMaxLength)] string? GuestId,
    [property: StringLength(AccountRules.NicknameMaxLength)] string? Nickname,
    bool? DataConsent = null,
    bool? VoiceConsent = null,
    [property: StringLength(ConsentRules.VersionMaxLength)] string? ConsentVersion = null)
{
    /// <summary>
    /// The original front end's form: no body, the fields in the query string (its FastAPI
    /// handler took plain parameters from there). Checked by the same limits as a body.
    /// </summary>
    public static GuestRequest FromQuery(HttpContext context) => new(
        context.Request.Query["guest_id"] is [{ Length: > 0 } guestId] ? guestId : null,
        context.Request.Query["nickname"] is [{ Length: > 0 } nickname] ? nickname : null);
}

// No length limit: whatever is not one of our tokens (an access token sent by mistake, say) is
// answered 401 invalid_refresh_token by the rule, not 422 by the shape check.
public sealed record RefreshRequest(
    [property: Required] string? RefreshToken);

/// <summary>A consent change; <c>consent_version</c> names the consent text shown (<c>GET /consent</c>).</summary>
public sealed record ConsentRequest(bool? DataConsent, bool? VoiceConsent, [property: StringLength(ConsentRules.VersionMaxLength)] string? ConsentVersion = null);

/// <summary>Shape limits of consent fields at the edge; which versions exist is the accounts grain's rule.</summary>
public static class ConsentRules
{
    public const int VersionMaxLength = 16;
}

/// <summary>
/// The answer to every sign-in: an access token, a refresh token and who they are for. For a
/// guest, <c>guest_id</c> is the device credential to send to <c>POST /auth/guest</c> next time
/// (the one sent, or a server-issued one when none or a short one was sent); null for accounts.
/// </summary>
public sealed record TokenPairResponse(
    string AccessToken,
    string RefreshToken,
    string TokenType,
    int ExpiresIn,
    DateTimeOffset RefreshExpiresAt,
    long UserId,
    string Username,
    bool IsGuest,
    string? GuestId);

public sealed record UserResponse(
    long UserId,
    string Username,
    string? Email,
    bool IsGuest,
    string? Nickname,
    bool DataConsent,
    bool VoiceConsent,
    IReadOnlyList<string> Roles,
    DateTimeOffset CreatedAt,
    string? DataConsentVersion,
    DateTimeOffset? DataConsentAt,
    string? VoiceConsentVersion,
    DateTimeOffset? VoiceConsentAt);

/// <summary>
/// Everything held about a user: <c>GET /auth/me/data</c>. <see cref="Research"/> goes out as the grain answers it, so
/// every research table the reader covers (seats to <c>facilitator_actions</c>) is on the wire without a copy here.
/// </summary>
public sealed record HeldDataResponse(
    UserResponse User,
    IReadOnlyList<ConsentEntry> Consents,
    IReadOnlyList<RoleChange> RoleChanges,
    HeldResearchData Research);

public sealed record WsTicketResponse(string Ticket, int ExpiresIn);
