using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Errors;

namespace Dilemma.Grains.Accounts;

/// <summary>
/// One user. Consent changes go through here, one at a time. The profile is read from the
/// store on every call: guests' nicknames change at sign-in, elsewhere, and a cached copy would
/// have to be told.
/// </summary>
public sealed class UserGrain(IAccountStore store) : Grain, IUserGrain
{
    public async Task<UserProfile> GetAsync(CancellationToken cancellationToken)
    {
        var user = await store.FindByIdAsync(this.GetPrimaryKeyLong(), cancellationToken) ?? throw NotFound();
        return user.ToProfile();
    }

    public async Task<UserProfile> ChangeConsentAsync(ConsentChange change, CancellationToken cancellationToken)
    {
        var user = await store.UpdateConsentAsync(this.GetPrimaryKeyLong(), change.DataConsent, change.VoiceConsent, cancellationToken) ?? throw NotFound();
        return user.ToProfile();
    }

    private static RuleViolationException NotFound() => RuleViolationException.NotFound("user_not_found", "No such user.");
}
