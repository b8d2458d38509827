using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Errors;

namespace Dilemma.Grains.Accounts;

/// <summary>
/// A ticket lives only in this activation's memory: it is worth 30 seconds, and losing one to
/// a silo restart costs a client one more <c>POST /auth/ws-ticket</c>.
/// </summary>
// Worth 30 seconds: an unredeemed ticket need not wait for the general collection age (DelayDeactivation holds it for its lifetime).
[CollectionAgeLimit(Minutes = 2)]
public sealed class WsTicketGrain(TimeProvider time) : Grain, IWsTicketGrain
{
    private WsTicketHolder? _holder;
    private DateTimeOffset _expiresAt;

    public Task IssueAsync(WsTicketHolder holder, TimeSpan lifetime)
    {
        if (_holder is not null)
        {
            throw RuleViolationException.Conflict("ticket_exists", "This ticket was issued already.");
        }

        _holder = holder;
        _expiresAt = time.GetUtcNow() + lifetime;
        DelayDeactivation(lifetime);
        return Task.CompletedTask;
    }

    public Task<WsTicketHolder?> RedeemAsync()
    {
        var holder = time.GetUtcNow() < _expiresAt ? _holder : null;
        _expiresAt = DateTimeOffset.MinValue;
        DeactivateOnIdle();
        return Task.FromResult(holder);
    }
}
