using Dilemma.Grains.Accounts;

namespace Dilemma.Grains.Research;

/// <summary>Retention in embedded mode: the accounts say who has no consent, the research store removes the rows.</summary>
public sealed class InMemoryResearchRetentionStore(InMemoryResearchStore research, InMemoryAccountStore accounts) : IResearchRetentionStore
{
    public async Task<RetentionReport> ApplyAsync(DateTime? roomsEndedBefore, DateTime? withoutConsentBefore, DateTime now, CancellationToken cancellationToken)
    {
        var withoutConsent = new HashSet<long>();
        if (withoutConsentBefore is { } before)
        {
            foreach (var userId in research.UsersOfRoomsEndedBefore(before))
            {
                if (await accounts.FindByIdAsync(userId, cancellationToken) is { DataConsent: false, IsBot: false })
                {
                    withoutConsent.Add(userId);
                }
            }
        }

        return research.ApplyRetention(roomsEndedBefore, withoutConsentBefore, withoutConsent, now);
    }
}
