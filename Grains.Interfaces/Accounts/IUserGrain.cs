using Orleans.Concurrency;

namespace Dilemma.Grains.Interfaces.Accounts;

/// <summary>One user's profile, consents and roles, keyed by user id; the owner of changes to them.</summary>
public interface IUserGrain : IGrainWithIntegerKey
{
    /// <summary>The profile with the stored roles; <c>user_not_found</c> (404) for an unknown id.</summary>
    [Alias("get")]
    [ReadOnly]
    Task<UserProfile> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes the consents named and returns the profile as stored. Every grant, and every withdrawal
    /// of a consent held, is also kept as a timestamped consent row with its text version; a version
    /// that was never published is <c>unknown_consent_version</c> (422, field <c>consent_version</c>).
    /// </summary>
    Task<UserProfile> ChangeConsentAsync(ConsentChange change, CancellationToken cancellationToken = default);

    /// <summary>Everything held about this user (<see cref="HeldData"/>); <c>user_not_found</c> (404) for an unknown id.</summary>
    [ReadOnly]
    Task<HeldData> GetHeldDataAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Withdrawal: deletes every research row of this user (seats, choices, room events about them, recording events,
    /// withdrawal codes), unlinks them from consensus rows they submitted and events they caused (the rows are the
    /// room's), withdraws data consent if held, and records the erasure in the export ledger with its
    /// <paramref name="kind"/> (<c>ErasureKinds</c>) and row count, never the user. <c>game_in_progress</c> (409)
    /// while the user is seated in a waiting room or has a seat in a started game, whose grain would write rows again.
    /// </summary>
    Task<Research.ResearchErasure> EraseResearchDataAsync(string kind, CancellationToken cancellationToken = default);

    /// <summary>The roles stored for this user; <c>user_not_found</c> (404) for an unknown id.</summary>
    [ReadOnly]
    Task<UserRoles> GetRolesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces this user's roles with <paramref name="roles"/>, auditing each role granted or
    /// revoked. The admin must hold <c>admin</c> in the store now (403 <c>not_admin</c>; the gateway's admin
    /// policy refuses such a caller first, 403 <c>forbidden</c>, and this stays for any other caller), every role
    /// must be known (422 <c>unknown_role</c>, field <c>roles</c>), guests hold none (409
    /// <c>guest_cannot_hold_roles</c>), and an admin cannot take their own admin role away (409
    /// <c>cannot_revoke_own_admin</c>) so that a deployment never loses its last admin by mistake.
    /// </summary>
    Task<UserRoles> ReplaceRolesAsync(long adminUserId, IReadOnlyList<string> roles, CancellationToken cancellationToken = default);

    /// <summary>Every role change of this user, newest first; <c>user_not_found</c> (404) for an unknown id.</summary>
    [ReadOnly]
    Task<IReadOnlyList<RoleChange>> GetRoleChangesAsync(CancellationToken cancellationToken = default);
}
