using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Errors;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Dilemma.Grains.Accounts;

/// <summary>
/// Sign-up and sign-in. Stateless: it may run on every silo at once, and the store's unique keys
/// and row locks are what keep two requests from racing.
/// </summary>
[StatelessWorker]
public sealed class AccountsGrain(
    IAccountStore store,
    PasswordHasher hasher,
    IOptions<AccountOptions> options,
    TimeProvider time) : Grain, IAccountsGrain
{
    public async Task<AccountSession> RegisterAsync(Registration registration, CancellationToken cancellationToken)
    {
        AccountValidation.ThrowIfInvalid(registration);
        var passwordHash = await hasher.HashAsync(registration.Password, cancellationToken);
        var user = await store.TryCreateUserAsync(
            new NewUser(
                registration.Username,
                AccountRules.NormalizeUsername(registration.Username),
                passwordHash,
                registration.Email,
                registration.DataConsent,
                registration.VoiceConsent,
                Now),
            cancellationToken)
            ?? throw RuleViolationException.Conflict("username_taken", "That username is already taken.");
        return await OpenSessionAsync(user, cancellationToken);
    }

    public async Task<AccountSession> LoginAsync(string username, string password, CancellationToken cancellationToken)
    {
        var user = await store.FindByUsernameKeyAsync(AccountRules.NormalizeUsername(username), cancellationToken);
        if (!await hasher.VerifyAsync(password, user?.PasswordHash, cancellationToken))
        {
            throw RuleViolationException.Unauthorized("invalid_credentials", "The username or the password is wrong.");
        }

        await store.RecordLoginAsync(user!.Id, Now, cancellationToken);
        return await OpenSessionAsync(user, cancellationToken);
    }

    public async Task<AccountSession> LoginGuestAsync(string? guestId, string? nickname, CancellationToken cancellationToken)
    {
        AccountValidation.ThrowIfInvalidGuest(guestId, nickname);
        var guest = await store.UpsertGuestAsync(guestId ?? Guid.NewGuid().ToString("N"), nickname, Now, cancellationToken);
        return await OpenSessionAsync(guest, cancellationToken);
    }

    public async Task<AccountSession> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var presentedHash = RefreshTokens.HashOf(refreshToken) ?? throw InvalidRefreshToken();
        var now = Now;
        var successor = RefreshTokens.NewToken();
        var rotation = await store.RotateRefreshTokenAsync(
            presentedHash,
            presented => new RefreshTokenRecord(RefreshTokens.HashOf(successor)!, presented.FamilyId, presented.UserId, now, now.AddDays(options.Value.RefreshTokenDays)),
            now,
            cancellationToken);

        switch (rotation.Outcome)
        {
            case RotationOutcome.Rotated:
                var user = await store.FindByIdAsync(rotation.UserId, cancellationToken) ?? throw InvalidRefreshToken();
                return new AccountSession(user.ToProfile(), successor, new DateTimeOffset(now.AddDays(options.Value.RefreshTokenDays), TimeSpan.Zero));
            case RotationOutcome.Reused:
                throw RuleViolationException.Unauthorized("refresh_token_reused", "This refresh token was already used; every token of its sign-in has been revoked.");
            default:
                throw InvalidRefreshToken();
        }
    }

    public async Task LogoutAsync(string refreshToken, CancellationToken cancellationToken)
    {
        if (RefreshTokens.HashOf(refreshToken) is { } hash)
        {
            await store.RevokeFamilyAsync(hash, Now, cancellationToken);
        }
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private static RuleViolationException InvalidRefreshToken() =>
        RuleViolationException.Unauthorized("invalid_refresh_token", "The refresh token is unknown, expired or revoked.");

    private async Task<AccountSession> OpenSessionAsync(StoredUser user, CancellationToken cancellationToken)
    {
        var token = RefreshTokens.NewToken();
        var now = Now;
        var expiresAt = now.AddDays(options.Value.RefreshTokenDays);
        await store.AddRefreshTokenAsync(new RefreshTokenRecord(RefreshTokens.HashOf(token)!, RefreshTokens.NewFamilyId(), user.Id, now, expiresAt), cancellationToken);
        return new AccountSession(user.ToProfile(), token, new DateTimeOffset(expiresAt, TimeSpan.Zero));
    }
}
