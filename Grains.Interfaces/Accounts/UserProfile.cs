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

    /// <summary>The consent text version (<c>GET /consent</c>) data consent was last granted under, and when; null if never granted.</summary>
    [Id(9)]
    public ConsentMark? DataConsentGiven { get; init; }

    /// <summary>The same for voice consent.</summary>
    [Id(10)]
    public ConsentMark? VoiceConsentGiven { get; init; }
}

/// <summary>Under which consent text version a consent was granted, and when (UTC).</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.consent-mark")]
public sealed record ConsentMark(
    [property: Id(0)] string Version,
    [property: Id(1)] DateTimeOffset At);

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
    [property: Id(5)] string? SetupCode = null,
    [property: Id(6)] string? ConsentVersion = null);

/// <summary>
/// A consent change; a null field is left as it is. <see cref="Version"/> is the consent text version
/// (<c>GET /consent</c>) the person was shown; null means the client did not say (the legacy booleans),
/// recorded as <c>unversioned</c>.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.consent-change")]
public sealed record ConsentChange(
    [property: Id(0)] bool? DataConsent,
    [property: Id(1)] bool? VoiceConsent,
    [property: Id(2)] string? Version = null)
{
    public static ConsentChange None { get; } = new(null, null);
}

/// <summary>A guest sign-in: the device credential, a nickname, and the consents given on the sign-in screen.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.guest-sign-in")]
public sealed record GuestSignIn(
    [property: Id(0)] string? GuestId,
    [property: Id(1)] string? Nickname,
    [property: Id(2)] ConsentChange Consent);

/// <summary>
/// A signed-in user with a fresh refresh token (the access token is minted at the edge). For a
/// guest, <see cref="GuestId"/> is the device credential to send next time. <see cref="SignInId"/> names the
/// sign-in (the refresh token's family) without revealing its stored key: the access token carries it as
/// <c>sid</c>, so that signing out, or a reuse of the refresh token, also ends the access tokens of that sign-in.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session")]
public sealed record AccountSession(
    [property: Id(0)] UserProfile User,
    [property: Id(1)] string RefreshToken,
    [property: Id(2)] DateTimeOffset RefreshTokenExpiresAt,
    [property: Id(3)] string? GuestId = null,
    [property: Id(4)] string? SignInId = null);
