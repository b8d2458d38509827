using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Consent;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;
using Microsoft.Extensions.Logging;

namespace Dilemma.Grains.Accounts;

/// <summary>
/// One user. Consent and role changes go through here, one at a time. The profile is read from
/// the store on every call: guests' nicknames change at sign-in, elsewhere, and a cached copy
/// would have to be told.
/// </summary>
public sealed partial class UserGrain(IAccountStore store, IHeldResearchReader research, IResearchEraser eraser, TimeProvider time, ILogger<UserGrain> logger)
    : Grain, IUserGrain
{
    public async Task<UserProfile> GetAsync(CancellationToken cancellationToken)
    {
        var user = await store.FindByIdAsync(UserId, cancellationToken) ?? throw NotFound();
        return user.IsGuest ? user.ToProfile() : user.ToProfile() with { Roles = await store.GetRolesAsync(UserId, cancellationToken) };
    }

    public async Task<UserProfile> ChangeConsentAsync(ConsentChange change, CancellationToken cancellationToken)
    {
        var decision = ConsentDecision.From(change, time.GetUtcNow().UtcDateTime);
        var user = await store.RecordConsentAsync(UserId, decision, cancellationToken) ?? throw NotFound();
        return user.ToProfile() with { Roles = user.IsGuest ? [] : await store.GetRolesAsync(UserId, cancellationToken) };
    }

    public async Task<HeldData> GetHeldDataAsync(CancellationToken cancellationToken)
    {
        var profile = await GetAsync(cancellationToken);
        var consents = await store.GetConsentRowsAsync(UserId, cancellationToken);
        return new HeldData(
            profile,
            [.. consents.Select(r => new ConsentEntry(r.Kind, r.Version, r.Granted, new DateTimeOffset(DateTime.SpecifyKind(r.At, DateTimeKind.Utc))))],
            await store.GetRoleChangesAsync(UserId, cancellationToken),
            await research.ReadAsync(UserId, cancellationToken));
    }

    public async Task<ResearchErasure> EraseResearchDataAsync(string kind, CancellationToken cancellationToken)
    {
        var user = await store.FindByIdAsync(UserId, cancellationToken) ?? throw NotFound();
        var now = time.GetUtcNow();
        var scope = await eraser.ScopeAsync(UserId, cancellationToken);
        if (scope.InGame)
        {
            throw InGame();
        }

        // The finished rooms' own stored state holds the same choices and nickname as the rows. The rooms forget
        // first: a room call that fails leaves the rows in place, so a retry finds the same rooms again (erasing the
        // rows first lost the list, and those rooms kept the data for good).
        await ForgetInRoomsAsync(scope.Rooms, cancellationToken);
        var outcome = await eraser.EraseAsync(UserId, kind, now.UtcDateTime, cancellationToken);
        if (outcome.InGame)
        {
            throw InGame();
        }

        // A game that finished between the two reads.
        await ForgetInRoomsAsync([.. outcome.Rooms.Except(scope.Rooms, StringComparer.Ordinal)], cancellationToken);

        // Withdrawing the data is withdrawing the consent to it: later games must not export this user either.
        if (user.DataConsent)
        {
            await store.RecordConsentAsync(UserId, new ConsentDecision(Data: false, Voice: null, ConsentTexts.Unversioned, now.UtcDateTime), cancellationToken);
        }

        LogErased(logger, kind, outcome.RowsErased);
        return new ResearchErasure(outcome.RowsErased, now);
    }

    private async Task ForgetInRoomsAsync(IReadOnlyList<string> rooms, CancellationToken cancellationToken)
    {
        foreach (var room in rooms)
        {
            await GrainFactory.GetGrain<IRoomGame>(room).ForgetWithdrawnAsync(UserId, cancellationToken);
        }
    }

    private static RuleViolationException InGame() =>
        RuleViolationException.Conflict(
            "game_in_progress",
            "You are in a room that is waiting or playing; leave it or let the game finish, then withdraw (the game would otherwise record you again).");

    public async Task<UserRoles> GetRolesAsync(CancellationToken cancellationToken)
    {
        var user = await store.FindByIdAsync(UserId, cancellationToken) ?? throw NotFound();
        return new UserRoles(UserId, user.ToProfile().Username, await store.GetRolesAsync(UserId, cancellationToken));
    }

    public async Task<UserRoles> ReplaceRolesAsync(long adminUserId, IReadOnlyList<string> roles, CancellationToken cancellationToken)
    {
        if (roles.FirstOrDefault(role => !AccountRoles.IsKnown(role)) is { } unknown)
        {
            throw RuleViolationException.Invalid("unknown_role", "roles", $"'{unknown}' is not a role; roles are {string.Join(", ", AccountRoles.All)}.");
        }

        // The admin's token may be up to one lifetime old: ask the store whether they are still one,
        // so a revoked admin's last token cannot hand out roles.
        var admin = await store.FindByIdAsync(adminUserId, cancellationToken);
        if (admin is null || !(await store.GetRolesAsync(adminUserId, cancellationToken)).Contains(AccountRoles.Admin))
        {
            throw RuleViolationException.Forbidden("not_admin", "Only an admin may change roles.");
        }

        var actor = new RoleActor(adminUserId, admin.ToProfile().Username);
        StoredUser? target = null;
        var now = await store.ChangeRolesAsync(
            UserId,
            (user, current) =>
            {
                target = user;
                if (user.IsGuest && roles.Count > 0)
                {
                    throw RuleViolationException.Conflict("guest_cannot_hold_roles", "Guests hold no roles; the person needs a registered account.");
                }

                if (user.Id == adminUserId && current.Contains(AccountRoles.Admin) && !roles.Contains(AccountRoles.Admin))
                {
                    throw RuleViolationException.Conflict("cannot_revoke_own_admin", "An admin cannot take their own admin role away; another admin or the operator can.");
                }

                return roles.ToHashSet(StringComparer.Ordinal);
            },
            actor,
            time.GetUtcNow().UtcDateTime,
            cancellationToken) ?? throw NotFound();
        return new UserRoles(UserId, target!.ToProfile().Username, now);
    }

    public async Task<IReadOnlyList<RoleChange>> GetRoleChangesAsync(CancellationToken cancellationToken)
    {
        _ = await store.FindByIdAsync(UserId, cancellationToken) ?? throw NotFound();
        return await store.GetRoleChangesAsync(UserId, cancellationToken);
    }

    private long UserId => this.GetPrimaryKeyLong();

    // Never the user id: the log must not say who withdrew any more than the ledger does.
    [LoggerMessage(Level = LogLevel.Information, Message = "Research data withdrawn ({Kind}): {Rows} rows erased")]
    private static partial void LogErased(ILogger logger, string kind, long rows);

    private static RuleViolationException NotFound() => RuleViolationException.NotFound("user_not_found", "No such user.");
}
