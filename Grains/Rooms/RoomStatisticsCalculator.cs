using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// The figures of one room, from its state alone. A round's individual choices appear only once
/// its consensus is recorded. With three people a majority is an option chosen by at least two.
/// </summary>
public static class RoomStatisticsCalculator
{
    public static RoomStatistics Compute(RoomState room, Scenario scenario)
    {
        var rounds = room.Rounds.Select(r => Round(room, r, scenario.Rounds[r.RoundNumber - 1].Options.Count)).ToList();
        var completed = rounds.Where(r => r.Completed).ToList();
        var totals = new RoomTotals(
            completed.Count,
            completed.Count(r => r.FollowedMajority == true),
            completed.Count(r => r.Unanimous == true),
            Mean(completed.SelectMany(r => r.Choices).Select(c => (double)c.Confidence)),
            Mean(completed.Select(r => r.ConsensusConfidence).OfType<int>().Select(c => (double)c)),
            // A round decided without one individual choice (all timed out, or all withdrawn) has no shift to count.
            Mean(completed.Select(r => r.ConfidenceShift).OfType<double>()));
        var roles = Enumerable.Range(RoomRules.MinRole, RoomRules.MaxRole).Select(roleId =>
        {
            var own = completed.SelectMany(r => r.Choices.Where(c => c.RoleId == roleId).Select(c => (Round: r, Choice: c))).ToList();
            return new RoleAgreement(
                roleId,
                RoomRules.RoleName(roleId),
                room.Participants.Find(p => p.RoleId == roleId)?.UserId,
                own.Count,
                own.Count == 0 ? null : own.Count(o => o.Choice.Choice == o.Round.ConsensusChoice) / (double)own.Count,
                Mean(own.Select(o => (double)o.Choice.Confidence)));
        }).ToList();
        return new RoomStatistics(room.Code, room.Topic, room.Phase, rounds, totals, roles);
    }

    private static RoundStatistics Round(RoomState room, RoundState round, int optionCount)
    {
        if (round.Consensus is not { } consensus)
        {
            return new RoundStatistics(round.RoundNumber, false, optionCount, round.Choices.Count, [], [], null, null, null, null, null, null, null, null);
        }

        var distribution = Enumerable.Range(0, optionCount).Select(option => round.Choices.Count(c => c.Choice == option)).ToList();
        int? majority = distribution.Select((count, option) => (count, option)).Where(x => x.count * 2 > round.Choices.Count).Select(x => (int?)x.option).FirstOrDefault();
        var choices = round.Choices.Select(c =>
        {
            var participant = room.Participants.Find(p => p.UserId == c.UserId);
            var inMajority = c.Choice == majority;
            return new IndividualChoice(
                c.UserId,
                participant?.Nickname ?? string.Empty,
                participant?.RoleId,
                c.Choice,
                c.Confidence,
                c.Revision,
                inMajority,
                c.Choice != consensus.Choice,
                inMajority && consensus.Choice != majority);
        }).ToList();
        var meanConfidence = Mean(choices.Select(c => (double)c.Confidence));
        return new RoundStatistics(
            round.RoundNumber,
            true,
            optionCount,
            choices.Count,
            choices,
            distribution,
            meanConfidence,
            majority,
            consensus.Choice,
            consensus.Confidence,
            majority is null ? null : consensus.Choice == majority,
            choices.Count > 0 && choices.All(c => c.Choice == choices[0].Choice),
            choices.Count == 0 ? null : choices.Count(c => c.ChangedPosition) / (double)choices.Count,
            meanConfidence is null ? null : consensus.Confidence - meanConfidence);
    }

    /// <summary>The mean to 4 decimals, as every statistic here is given; null of nothing.</summary>
    internal static double? Mean(IEnumerable<double> values)
    {
        var list = values.ToList();
        return list.Count == 0 ? null : Math.Round(list.Average(), 4);
    }
}
