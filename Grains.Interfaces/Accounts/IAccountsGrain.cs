namespace Dilemma.Grains.Interfaces.Accounts;

/// <summary>
/// Sign-up, sign-in and refresh-token rotation. A stateless worker: every rule that needs
/// atomicity (unique usernames, single use of a refresh token) is kept by the account store.
/// Use key 0.
/// </summary>
public interface IAccountsGrain : IGrainWithIntegerKey
{
    /// <summary>Creates a user; <c>username_taken</c> (409) when the name is in use in any letter case.</summary>
    Task<AccountSession> RegisterAsync(Registration registration, CancellationToken cancellationToken = default);

    /// <summary>Checks a password; <c>invalid_credentials</c> (401) alike for an unknown user and a wrong password.</summary>
    Task<AccountSession> LoginAsync(string username, string password, CancellationToken cancellationToken = default);

    /// <summary>Signs in a guest; the same <paramref name="guestId"/> always gives the same user.</summary>
    Task<AccountSession> LoginGuestAsync(string? guestId, string? nickname, CancellationToken cancellationToken = default);

    /// <summary>
    /// Exchanges a refresh token for a new one. A token that was already exchanged revokes its
    /// whole family (<c>refresh_token_reused</c>, 401).
    /// </summary>
    Task<AccountSession> RefreshAsync(string refreshToken, CancellationToken cancellationToken = default);

    /// <summary>Revokes the family of the given refresh token; unknown tokens are ignored.</summary>
    Task LogoutAsync(string refreshToken, CancellationToken cancellationToken = default);
}
