using System.Buffers.Text;
using System.Security.Cryptography;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Errors;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Dilemma.Grains.Accounts;

/// <summary>
/// Sign-up and sign-in. Stateless: it may run on every silo at once, and the store's unique keys
/// and row locks are what keep two requests from racing. Reentrant for the same reason: an activation
/// waiting on the database or a password hash takes the next request rather than queueing it.
/// </summary>
[StatelessWorker]
[Reentrant]
public sealed class AccountsGrain(
    IAccountStore store,
    PasswordHasher hasher,
    AdminSetupCode setupCode,
    IOptions<AccountOptions> options,
    TimeProvider time) : Grain, IAccountsGrain
{
    // 24 random bytes: 192 bits, 32 characters of base64url, long enough to be a credential itself.
    private const int IssuedGuestIdBytes = 24;

    public async Task<AccountSession> RegisterAsync(Registration registration, CancellationToken cancellationToken)
    {
        AccountValidation.ThrowIfInvalid(registration);
        var consent = ConsentDecision.From(new ConsentChange(registration.DataConsent, registration.VoiceConsent, registration.ConsentVersion), Now);
        if (registration.SetupCode is null)
        {
            return await OpenSessionAsync(await CreateUserAsync(registration, consent, cancellationToken), cancellationToken);
        }

        // Checked before any hashing: a wrong code costs nothing, and it is 192 random bits.
        if (!setupCode.TryHold(registration.SetupCode))
        {
            throw RuleViolationException.Forbidden("invalid_setup_code", "The setup code is wrong or has been used.");
        }

        var spent = false;
        try
        {
            var user = await CreateUserAsync(registration, consent, cancellationToken);
            await store.ChangeRolesAsync(user.Id, (_, roles) => [.. roles, AccountRoles.Admin], RoleActor.SetupCode, Now, cancellationToken);
            spent = true;
            return await OpenSessionAsync(user, cancellationToken);
        }
        finally
        {
            setupCode.Release(spent);
        }
    }

    public async Task<long?> FindUserIdAsync(string username, CancellationToken cancellationToken) =>
        (await store.FindByUsernameKeyAsync(AccountRules.NormalizeUsername(username), cancellationToken))?.Id;

    public async Task<AccountSession> LoginAsync(string username, string password, CancellationToken cancellationToken)
    {
        var usernameKey = AccountRules.NormalizeUsername(username);
        var throttle = GrainFactory.GetGrain<ILoginThrottleGrain>(usernameKey);
        if (await throttle.TryBeginAsync() is { } wait)
        {
            throw RuleViolationException.TooManyRequests(
                "login_throttled",
                "Too many wrong passwords for this account; wait before trying again.",
                wait);
        }

        bool? succeeded = null;
        try
        {
            var user = await store.FindByUsernameKeyAsync(usernameKey, cancellationToken);
            succeeded = await hasher.VerifyAsync(password, user?.PasswordHash, cancellationToken);
            if (!succeeded.Value)
            {
                throw RuleViolationException.Unauthorized("invalid_credentials", "The username or the password is wrong.");
            }

            await store.RecordLoginAsync(user!.Id, Now, cancellationToken);
            return await OpenSessionAsync(user, cancellationToken);
        }
        finally
        {
            await throttle.FinishAsync(succeeded);
        }
    }

    public async Task<AccountSession> LoginGuestAsync(GuestSignIn signIn, CancellationToken cancellationToken)
    {
        var (guestId, nickname) = (signIn.GuestId, signIn.Nickname);
        AccountValidation.ThrowIfInvalidGuest(guestId, nickname);
        var consent = ConsentDecision.From(signIn.Consent, Now);

        // A short id could be guessed (a one-letter id was a whole credential once): it only says
        // "a new guest", and the answer carries an id that can serve as a credential next time.
        var credential = guestId is { Length: >= AccountRules.GuestIdCredentialMinLength }
            ? guestId
            : Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(IssuedGuestIdBytes));
        var guest = await store.UpsertGuestAsync(credential, nickname, Now, cancellationToken);

        // A classroom of guests consents on the sign-in screen; dropping that here would leave them out of every export.
        if (!consent.IsEmpty)
        {
            guest = await store.RecordConsentAsync(guest.Id, consent, cancellationToken) ?? guest;
        }

        return await OpenSessionAsync(guest, cancellationToken);
    }

    public Task<long> CreateBotAsync(string nickname, CancellationToken cancellationToken) =>
        store.CreateBotAsync(nickname, Now, cancellationToken);

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
                return new AccountSession(
                    await ProfileAsync(user, cancellationToken),
                    successor,
                    new DateTimeOffset(now.AddDays(options.Value.RefreshTokenDays), TimeSpan.Zero),
                    user.GuestId,
                    RefreshTokens.SignInIdOf(rotation.FamilyId!));
            case RotationOutcome.Reused:
                // The token was stolen or copied: the thief's access token must stop too, not only the refresh tokens.
                await RevokedSignIns.RevokeAsync(RefreshTokens.SignInIdOf(rotation.FamilyId!), cancellationToken);
                throw RuleViolationException.Unauthorized("refresh_token_reused", "This refresh token was already used; every token of its sign-in has been revoked.");
            default:
                throw InvalidRefreshToken();
        }
    }

    public async Task LogoutAsync(string refreshToken, CancellationToken cancellationToken)
    {
        // The store first: it is what the revocation list reloads from, so a sign-out it holds is never forgotten, and a
        // retried logout (the list did not answer) reports the family again.
        if (RefreshTokens.HashOf(refreshToken) is { } hash && await store.RevokeFamilyAsync(hash, Now, cancellationToken) is { } familyId)
        {
            await RevokedSignIns.RevokeAsync(RefreshTokens.SignInIdOf(familyId), cancellationToken);
        }
    }

    public async Task<string?> GetAdminSetupCodeAsync(CancellationToken cancellationToken)
    {
        if (setupCode.Current is null)
        {
            return null;
        }

        if (await store.AnyoneHoldsAsync(AccountRoles.Admin, cancellationToken))
        {
            setupCode.Retire();
            return null;
        }

        return setupCode.Current;
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private ISignInRevocationsGrain RevokedSignIns => GrainFactory.GetGrain<ISignInRevocationsGrain>(0);

    private static RuleViolationException InvalidRefreshToken() =>
        RuleViolationException.Unauthorized("invalid_refresh_token", "The refresh token is unknown, expired or revoked.");

    private async Task<StoredUser> CreateUserAsync(Registration registration, ConsentDecision consent, CancellationToken cancellationToken)
    {
        var passwordHash = await hasher.HashAsync(registration.Password, cancellationToken);
        return await store.TryCreateUserAsync(
            new NewUser(
                registration.Username,
                AccountRules.NormalizeUsername(registration.Username),
                passwordHash,
                registration.Email,
                consent,
                Now),
            cancellationToken)
            ?? throw RuleViolationException.Conflict("username_taken", "username", "That username is already taken.");
    }

    /// <summary>The profile with the roles stored now: what the next access token will carry.</summary>
    private async Task<UserProfile> ProfileAsync(StoredUser user, CancellationToken cancellationToken) =>
        user.IsGuest ? user.ToProfile() : user.ToProfile() with { Roles = await store.GetRolesAsync(user.Id, cancellationToken) };

    private async Task<AccountSession> OpenSessionAsync(StoredUser user, CancellationToken cancellationToken)
    {
        var token = RefreshTokens.NewToken();
        var now = Now;
        var expiresAt = now.AddDays(options.Value.RefreshTokenDays);
        var familyId = RefreshTokens.NewFamilyId();
        await store.AddRefreshTokenAsync(new RefreshTokenRecord(RefreshTokens.HashOf(token)!, familyId, user.Id, now, expiresAt), cancellationToken);
        return new AccountSession(await ProfileAsync(user, cancellationToken), token, new DateTimeOffset(expiresAt, TimeSpan.Zero), user.GuestId, RefreshTokens.SignInIdOf(familyId));
    }
}
