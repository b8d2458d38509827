using System.ComponentModel.DataAnnotations;
using Dilemma.Grains.Interfaces.Accounts;

namespace Dilemma.Gateway.Accounts;

// Shape limits here stop nonsense at the edge (a megabyte "password"); the account rules
// themselves (patterns, byte limits) are the accounts grain's.

public sealed record RegisterRequest(
    [property: Required, StringLength(AccountRules.UsernameMaxLength)] string? Username,
    [property: Required, StringLength(1024)] string? Password,
    [property: StringLength(AccountRules.EmailMaxLength)] string? Email,
    bool? DataConsent,
    bool? VoiceConsent);

public sealed record LoginRequest(
    [property: Required, StringLength(AccountRules.UsernameMaxLength)] string? Username,
    [property: Required, StringLength(1024)] string? Password);

public sealed record GuestRequest(
    [property: StringLength(AccountRules.GuestIdMaxLength)] string? GuestId,
    [property: StringLength(AccountRules.NicknameMaxLength)] string? Nickname)
{
    /// <summary>
    /// The original front end's form: no body, the fields in the query string (its FastAPI
    /// handler took plain parameters from there). Checked by the same limits as a body.
    /// </summary>
    public static GuestRequest FromQuery(HttpContext context) => new(
        context.Request.Query["guest_id"] is [{ Length: > 0 } guestId] ? guestId : null,
        context.Request.Query["nickname"] is [{ Length: > 0 } nickname] ? nickname : null);
}

public sealed record RefreshRequest(
    [property: Required, StringLength(128)] string? RefreshToken);

public sealed record ConsentRequest(bool? DataConsent, bool? VoiceConsent);

/// <summary>The answer to every sign-in: an access token, a refresh token and who they are for.</summary>
public sealed record TokenPairResponse(
    string AccessToken,
    string RefreshToken,
    string TokenType,
    int ExpiresIn,
    DateTimeOffset RefreshExpiresAt,
    long UserId,
    string Username,
    bool IsGuest);

public sealed record UserResponse(
    long UserId,
    string Username,
    string? Email,
    bool IsGuest,
    string? Nickname,
    bool DataConsent,
    bool VoiceConsent,
    IReadOnlyList<string> Roles,
    DateTimeOffset CreatedAt);

public sealed record WsTicketResponse(string Ticket, int ExpiresIn);
