namespace Dilemma.Grains.Interfaces.Accounts;

/// <summary>One user's profile and consents, keyed by user id; the owner of consent changes.</summary>
public interface IUserGrain : IGrainWithIntegerKey
{
    /// <summary>The profile; <c>user_not_found</c> (404) for an unknown id.</summary>
    [Alias("get")]
    Task<UserProfile> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>Changes the consents named and returns the profile as stored.</summary>
    Task<UserProfile> ChangeConsentAsync(ConsentChange change, CancellationToken cancellationToken = default);
}
