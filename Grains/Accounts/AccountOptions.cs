using System.ComponentModel.DataAnnotations;
using Dilemma.Grains.Interfaces.Accounts;

namespace Dilemma.Grains.Accounts;

/// <summary>Account settings the silo needs (section <c>Auth</c>).</summary>
public sealed class AccountOptions
{
    public const string SectionName = "Auth";

    /// <summary>bcrypt work factor; 12 as the original, never lower in production.</summary>
    [Range(10, 16)]
    public int BcryptWorkFactor { get; set; } = 12;

    [Range(1, 365)]
    public int RefreshTokenDays { get; set; } = 7;

    /// <summary>
    /// The gateway's access-token lifetime, read from the same key (<c>Auth:AccessTokenMinutes</c>): embedded mode
    /// forgets no guest who signed in or refreshed more recently, since their token still works without the store.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int AccessTokenMinutes { get; set; } = AccountRules.DefaultAccessTokenMinutes;

    public TimeSpan AccessTokenLifetime => TimeSpan.FromMinutes(AccessTokenMinutes);

    /// <summary>Password hashes computed at once per silo; more wait up to <see cref="PasswordHashWaitMilliseconds"/>, then get 503.</summary>
    [Range(1, 256)]
    public int PasswordHashConcurrency { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    [Range(0, 60_000)]
    public int PasswordHashWaitMilliseconds { get; set; } = 2_000;

    /// <summary>
    /// How often the revocation list reads the store's recent revocations again. A revocation the store holds and the list
    /// was never told of (the silo that revoked it died between the two, or its call to the list failed) is learnt within this.
    /// </summary>
    [Range(1, 3_600)]
    public int RevocationReloadSeconds { get; set; } = 30;

    /// <summary>Consecutive wrong passwords on one account before further attempts on it are delayed.</summary>
    [Range(1, 1_000)]
    public int LoginFailuresBeforeDelay { get; set; } = 5;

    /// <summary>The longest delay (the delay doubles from 1 s with every further failure): 15 minutes.</summary>
    [Range(1, 86_400)]
    public int LoginDelayMaxSeconds { get; set; } = 900;
}
