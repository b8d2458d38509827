namespace Dilemma.Grains.Interfaces.Accounts;

/// <summary>
/// Sign-up, sign-in and refresh-token rotation. A stateless worker: every rule that needs
/// atomicity (unique usernames, single use of a refresh token) is kept by the account store.
/// Use key 0.
/// </summary>
public interface IAccountsGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Creates a user; <c>username_taken</c> (409) when the name is in use in any letter case. A
    /// registration that presents the embedded mode's one-time setup code becomes an admin; a wrong
    /// or spent code is <c>invalid_setup_code</c> (403). Consents are recorded under
    /// <see cref="Registration.ConsentVersion"/> (422 <c>unknown_consent_version</c> when unpublished).
    /// </summary>
    Task<AccountSession> RegisterAsync(Registration registration, CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks a password; <c>invalid_credentials</c> (401) alike for an unknown user and a wrong
    /// password, <c>login_throttled</c> (429) after repeated failures on the account.
    /// </summary>
    Task<AccountSession> LoginAsync(string username, string password, CancellationToken cancellationToken = default);

    /// <summary>
    /// Signs in a guest. A <see cref="GuestSignIn.GuestId"/> of at least <see cref="AccountRules.GuestIdCredentialMinLength"/>
    /// characters always gives the same user; a shorter or absent one is no credential: a new guest
    /// is made with a server-issued id, returned in <see cref="AccountSession.GuestId"/>. Consents sent
    /// with the sign-in are recorded as by <see cref="IUserGrain.ChangeConsentAsync"/>; an unknown
    /// version is <c>unknown_consent_version</c> (422, field <c>consent_version</c>) and signs no one in.
    /// </summary>
    Task<AccountSession> LoginGuestAsync(GuestSignIn signIn, CancellationToken cancellationToken = default);

    /// <summary>
    /// The id of the registered account with this username, in any letter case; null when there is none (guests and
    /// bots have no username). An admin names people by username; the role endpoints take the id.
    /// </summary>
    Task<long?> FindUserIdAsync(string username, CancellationToken cancellationToken = default);

    /// <summary>A new bot user (marked <c>is_bot</c>, no credential) to take a seat in a room; returns its id.</summary>
    Task<long> CreateBotAsync(string nickname, CancellationToken cancellationToken = default);

    /// <summary>
    /// Exchanges a refresh token for a new one. A token that was already exchanged revokes its
    /// whole family, access tokens included (<c>refresh_token_reused</c>, 401).
    /// </summary>
    Task<AccountSession> RefreshAsync(string refreshToken, CancellationToken cancellationToken = default);

    /// <summary>
    /// Revokes the family of the given refresh token, and its access tokens with it (<see cref="ISignInRevocationsGrain"/>),
    /// before it answers; unknown tokens are ignored.
    /// </summary>
    Task LogoutAsync(string refreshToken, CancellationToken cancellationToken = default);

    /// <summary>
    /// The one-time admin setup code, when this deployment keeps one (embedded mode) and no admin
    /// exists yet; null otherwise. The same code every time until it is spent.
    /// </summary>
    Task<string?> GetAdminSetupCodeAsync(CancellationToken cancellationToken = default);
}
