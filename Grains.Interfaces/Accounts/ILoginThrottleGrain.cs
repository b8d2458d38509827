namespace Dilemma.Grains.Interfaces.Accounts;

/// <summary>
/// Password attempts on one account, keyed by the normalised username (known or not, so the
/// answer says nothing about whether the account exists). After a run of failures further
/// attempts wait, for a time that doubles with every failure; a success clears the run. One
/// activation for the whole cluster, so every gateway sees the same count.
/// </summary>
public interface ILoginThrottleGrain : IGrainWithStringKey
{
    /// <summary>
    /// Null when an attempt may go ahead; it is then counted as in flight until
    /// <see cref="FinishAsync"/>. Otherwise how long to wait before trying again.
    /// </summary>
    Task<TimeSpan?> TryBeginAsync();

    /// <summary>Ends an attempt begun with <see cref="TryBeginAsync"/>: right, wrong, or null when the password was never checked (the hasher was busy).</summary>
    Task FinishAsync(bool? succeeded);
}
