using Dilemma.Grains.Accounts;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Research;

/// <summary>The cross-room figures of embedded mode: the same definitions as the SQL, over the in-memory records.</summary>
public sealed class InMemoryResearchAggregates(InMemoryResearchStore store, IAccountStore accounts) : IResearchAggregates
{
    public async Task<IReadOnlyList<TopicFigures>> TopicFiguresAsync(CancellationToken cancellationToken)
    {
        var snapshot = store.Snapshot();
        var consenting = await ConsentingAsync(snapshot, cancellationToken);
        var topicOf = snapshot.Rooms.ToDictionary(r => r.RoomCode, r => r.Topic, StringComparer.Ordinal);
        var rounds = snapshot.Consensus.Select(c =>
        {
            var choices = snapshot.Choices.Where(x => x.RoomCode == c.RoomCode && x.RoundNumber == c.RoundNumber && consenting.Contains(x.UserId)).ToList();
            var majority = choices.GroupBy(x => x.Choice).Where(g => g.Count() * 2 > choices.Count).Select(g => (int?)g.Key).FirstOrDefault();
            return (Topic: topicOf[c.RoomCode], c.Confidence, Consensus: c.Choice, Majority: majority, Distinct: choices.Select(x => x.Choice).Distinct().Count());
        }).ToList();

        return snapshot.Rooms.GroupBy(r => r.Topic).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var own = rounds.Where(r => r.Topic == g.Key).ToList();
            var withMajority = own.Count(r => r.Majority is not null);
            var followed = own.Count(r => r.Majority is not null && r.Majority == r.Consensus);
            return new TopicFigures(
                g.Key,
                g.Count(),
                g.Count(r => r.Status == RoomStatus.Finished),
                own.Count,
                withMajority,
                followed,
                own.Count(r => r.Distinct == 1),
                withMajority == 0 ? null : Math.Round(followed / (double)withMajority, 4),
                own.Count == 0 ? null : Math.Round(own.Average(r => r.Confidence), 4));
        }).ToList();
    }

    public async Task<IReadOnlyList<RoleFigures>> RoleFiguresAsync(CancellationToken cancellationToken)
    {
        var snapshot = store.Snapshot();
        var consenting = await ConsentingAsync(snapshot, cancellationToken);
        var roleOf = snapshot.Participants.Where(p => p.RoleId is not null).ToDictionary(p => (p.RoomCode, p.UserId), p => p.RoleId!.Value);
        var compared = snapshot.Choices
            .Where(c => consenting.Contains(c.UserId) && roleOf.ContainsKey((c.RoomCode, c.UserId)))
            .Join(snapshot.Consensus, c => (c.RoomCode, c.RoundNumber), k => (k.RoomCode, k.RoundNumber), (c, k) => (Role: roleOf[(c.RoomCode, c.UserId)], Choice: c, Consensus: k))
            .ToList();
        return compared.GroupBy(x => x.Role).OrderBy(g => g.Key).Select(g => new RoleFigures(
            g.Key,
            RoomRules.RoleName(g.Key),
            g.Count(),
            Math.Round(g.Average(x => x.Choice.Choice == x.Consensus.Choice ? 1.0 : 0.0), 4),
            Math.Round(g.Average(x => (double)x.Choice.Confidence), 4),
            Math.Round(g.Average(x => (double)(x.Consensus.Confidence - x.Choice.Confidence)), 4))).ToList();
    }

    private async Task<HashSet<long>> ConsentingAsync(ResearchSnapshot snapshot, CancellationToken cancellationToken)
    {
        var consenting = new HashSet<long>();
        foreach (var userId in snapshot.Choices.Select(c => c.UserId).Distinct())
        {
            if ((await accounts.FindByIdAsync(userId, cancellationToken))?.DataConsent == true)
            {
                consenting.Add(userId);
            }
        }

        return consenting;
    }
}
