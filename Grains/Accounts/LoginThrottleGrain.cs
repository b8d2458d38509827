using Dilemma.Grains.Interfaces.Accounts;
using Microsoft.Extensions.Options;

namespace Dilemma.Grains.Accounts;

/// <summary>
/// Consecutive password failures on one account, in memory. Once <see cref="AccountOptions.LoginFailuresBeforeDelay"/>
/// failures ran together, each further attempt waits 1 s, 2 s, 4 s … up to
/// <see cref="AccountOptions.LoginDelayMaxSeconds"/>, and only one attempt at a time is let
/// through, so parallel guesses gain nothing. Attempts in flight count towards the run, so a burst
/// cannot slip more guesses in than the run allows.
/// </summary>
// One per account that signs in: a run of failures holds itself (DelayDeactivation), a quiet throttle is worth nothing.
[CollectionAgeLimit(Minutes = 2)]
public sealed class LoginThrottleGrain(IOptions<AccountOptions> options, TimeProvider time) : Grain, ILoginThrottleGrain
{
    private int _failures;
    private int _inFlight;
    private DateTimeOffset _blockedUntil = DateTimeOffset.MinValue;

    public Task<TimeSpan?> TryBeginAsync()
    {
        var threshold = options.Value.LoginFailuresBeforeDelay;
        var now = time.GetUtcNow();
        TimeSpan? wait = null;
        if (now < _blockedUntil)
        {
            wait = _blockedUntil - now;
        }
        else if (_failures + _inFlight >= threshold && (_failures < threshold || _inFlight > 0))
        {
            // Either the run would be complete with the attempts already running, or, after a
            // delay ran out, the one attempt it allows is still running.
            wait = TimeSpan.FromSeconds(1);
        }

        if (wait is null)
        {
            _inFlight++;
        }

        return Task.FromResult(wait);
    }

    public Task FinishAsync(bool? succeeded)
    {
        _inFlight = Math.Max(0, _inFlight - 1);
        if (succeeded is null)
        {
            return Task.CompletedTask;
        }

        if (succeeded.Value)
        {
            _failures = 0;
            _blockedUntil = DateTimeOffset.MinValue;
            return Task.CompletedTask;
        }

        _failures++;
        var settings = options.Value;
        var beyond = _failures - settings.LoginFailuresBeforeDelay;
        if (beyond >= 0)
        {
            var seconds = Math.Min(settings.LoginDelayMaxSeconds, Math.Pow(2, Math.Min(beyond, 30)));
            _blockedUntil = time.GetUtcNow() + TimeSpan.FromSeconds(seconds);
        }

        // The run is memory only: keep it at least as long as the longest delay, so that an idle
        // collection does not start a guesser over at one second.
        DelayDeactivation(TimeSpan.FromSeconds(settings.LoginDelayMaxSeconds * 2));
        return Task.CompletedTask;
    }
}
