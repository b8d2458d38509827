namespace Dilemma.Grains.Interfaces.Accounts;

/// <summary>A user as the rest of the system sees it: never the password hash.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.user-profile")]
public sealed record UserProfile(
    [property: Id(0)] long UserId,
    [property: Id(1)] string Username,
    [property: Id(2)] string? Email,
    [property: Id(3)] bool IsGuest,
    [property: Id(4)] bool DataConsent,
    [property: Id(5)] bool VoiceConsent,
    [property: Id(6)] string? Nickname,
    [property: Id(7)] DateTimeOffset CreatedAt)
{
    /// <summary>The roles stored for this account (<see cref="AccountRoles"/>), in canonical order; guests hold none.</summary>
    [Id(8)]
    public IReadOnlyList<string> Roles { get; init; } = [];
}

/// <summary>What a new account is made of.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.registration")]
public sealed record Registration(
    [property: Id(0)] string Username,
    [property: Id(1)] string Password,
    [property: Id(2)] string? Email,
    [property: Id(3)] bool DataConsent,
    [property: Id(4)] bool VoiceConsent,
    [property: Id(5)] string? SetupCode = null);

/// <summary>A consent change; a null field is left as it is.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.consent-change")]
public sealed record ConsentChange(
    [property: Id(0)] bool? DataConsent,
    [property: Id(1)] bool? VoiceConsent);

/// <summary>
/// A signed-in user with a fresh refresh token (the access token is minted at the edge). For a
/// guest, <see cref="GuestId"/> is the device credential to send next time.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session")]
public sealed record AccountSession(
    [property: Id(0)] UserProfile User,
    [property: Id(1)] string RefreshToken,
    [property: Id(2)] DateTimeOffset RefreshTokenExpiresAt,
    [property: Id(3)] string? GuestId = null);
