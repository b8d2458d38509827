using Dilemma.Grains.Interfaces.Accounts;

namespace Dilemma.Grains.Accounts;

/// <summary>
/// Where users and refresh tokens live: MySQL in cluster mode, process memory in embedded mode.
/// Each method is atomic on its own; the grains above it add no locking of their own. Every
/// <see cref="DateTime"/> here is UTC.
/// </summary>
public interface IAccountStore
{
    /// <summary>Inserts a registered user, or returns null when the username key is taken.</summary>
    Task<StoredUser?> TryCreateUserAsync(NewUser user, CancellationToken cancellationToken);

    /// <summary>The guest with this device id (created on first sight); a given nickname replaces the stored one.</summary>
    Task<StoredUser> UpsertGuestAsync(string guestId, string? nickname, DateTime now, CancellationToken cancellationToken);

    /// <summary>A new bot user (<c>is_bot</c>): it has no credential, so nobody can sign in as it.</summary>
    Task<long> CreateBotAsync(string nickname, DateTime now, CancellationToken cancellationToken);

    Task<StoredUser?> FindByUsernameKeyAsync(string usernameKey, CancellationToken cancellationToken);

    Task<StoredUser?> FindByIdAsync(long userId, CancellationToken cancellationToken);

    Task RecordLoginAsync(long userId, DateTime now, CancellationToken cancellationToken);

    /// <summary>
    /// Applies a consent decision and appends its consent rows (<see cref="ConsentDecision.RowsFor"/>),
    /// all or nothing; null when the user does not exist.
    /// </summary>
    Task<StoredUser?> RecordConsentAsync(long userId, ConsentDecision decision, CancellationToken cancellationToken);

    /// <summary>A user's consent rows, oldest first.</summary>
    Task<IReadOnlyList<ConsentRow>> GetConsentRowsAsync(long userId, CancellationToken cancellationToken);

    Task AddRefreshTokenAsync(RefreshTokenRecord token, CancellationToken cancellationToken);

    /// <summary>
    /// Marks the presented token used and stores <paramref name="next"/> in its family, all or
    /// nothing. A token that was already used revokes its whole family instead.
    /// </summary>
    Task<RotationResult> RotateRefreshTokenAsync(byte[] presentedHash, Func<RefreshTokenRecord, RefreshTokenRecord> next, DateTime now, CancellationToken cancellationToken);

    /// <summary>
    /// Revokes the family of the token with this hash and returns the family's id, also when it was revoked already;
    /// null, and nothing happens, for an unknown hash.
    /// </summary>
    Task<byte[]?> RevokeFamilyAsync(byte[] tokenHash, DateTime now, CancellationToken cancellationToken);

    /// <summary>The families revoked at or after <paramref name="since"/>, each with the time it was revoked, oldest first.</summary>
    Task<IReadOnlyList<RevokedFamily>> GetFamiliesRevokedSinceAsync(DateTime since, CancellationToken cancellationToken);

    /// <summary>The roles stored for a user, in canonical order; empty for an unknown user.</summary>
    Task<IReadOnlyList<string>> GetRolesAsync(long userId, CancellationToken cancellationToken);

    /// <summary>
    /// All or nothing, one change at a time per user: reads the user and their roles, asks
    /// <paramref name="change"/> for the new set (it may throw a rule violation, and then nothing is
    /// stored), stores it and writes one audit row per role granted or revoked. Returns the roles
    /// now held, or null when the user does not exist.
    /// </summary>
    Task<IReadOnlyList<string>?> ChangeRolesAsync(
        long userId,
        Func<StoredUser, IReadOnlyList<string>, IReadOnlyCollection<string>> change,
        RoleActor actor,
        DateTime now,
        CancellationToken cancellationToken);

    /// <summary>A user's role audit, newest first.</summary>
    Task<IReadOnlyList<RoleChange>> GetRoleChangesAsync(long userId, CancellationToken cancellationToken);

    /// <summary>Whether any account holds <paramref name="role"/>.</summary>
    Task<bool> AnyoneHoldsAsync(string role, CancellationToken cancellationToken);
}

/// <summary>Who changes roles: an admin (their user id and name) or the operator (a name only), as the audit records it.</summary>
public sealed record RoleActor(long? UserId, string Name)
{
    /// <summary>The longest name the audit keeps.</summary>
    public const int NameMaxLength = 64;

    public static RoleActor Operator(string who) => new(null, Truncate($"operator:{who}"));

    public static RoleActor SetupCode { get; } = new(null, "setup-code");

    private static string Truncate(string name) => name.Length <= NameMaxLength ? name : name[..NameMaxLength];
}

/// <summary>A user row as stored, hash included; never leaves the silo.</summary>
public sealed record StoredUser(
    long Id,
    string? Username,
    string? PasswordHash,
    string? Email,
    bool IsGuest,
    string? GuestId,
    string? Nickname,
    bool DataConsent,
    bool VoiceConsent,
    DateTime CreatedAt,
    string? DataConsentVersion = null,
    DateTime? DataConsentAt = null,
    string? VoiceConsentVersion = null,
    DateTime? VoiceConsentAt = null,
    bool IsBot = false)
{
    /// <summary>What the rest of the system sees; guests are named after their id.</summary>
    public UserProfile ToProfile() => new(
        Id,
        Username ?? $"guest-{Id}",
        Email,
        IsGuest,
        DataConsent,
        VoiceConsent,
        Nickname,
        Utc(CreatedAt))
    {
        DataConsentGiven = Mark(DataConsentVersion, DataConsentAt),
        VoiceConsentGiven = Mark(VoiceConsentVersion, VoiceConsentAt),
    };

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static ConsentMark? Mark(string? version, DateTime? at) => version is not null && at is { } time ? new ConsentMark(version, Utc(time)) : null;
}

/// <summary>A registration to store; its consents are recorded by <see cref="Consent"/> in the same step.</summary>
public sealed record NewUser(
    string Username,
    string UsernameKey,
    string PasswordHash,
    string? Email,
    ConsentDecision Consent,
    DateTime CreatedAt);

public sealed record RefreshTokenRecord(
    byte[] TokenHash,
    byte[] FamilyId,
    long UserId,
    DateTime IssuedAt,
    DateTime ExpiresAt);

public enum RotationOutcome
{
    Rotated,
    Unknown,
    Expired,
    Revoked,
    Reused,
}

/// <summary>
/// The outcome of a rotation; <see cref="UserId"/> is set when <see cref="Outcome"/> is Rotated, <see cref="FamilyId"/>
/// when it is Rotated or Reused (the family the reuse revoked).
/// </summary>
public sealed record RotationResult(RotationOutcome Outcome, long UserId = 0, byte[]? FamilyId = null);

/// <summary>A refresh-token family that was revoked, and when (UTC).</summary>
public sealed record RevokedFamily(byte[] FamilyId, DateTime RevokedAt);
