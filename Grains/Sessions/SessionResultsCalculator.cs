using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Sessions;
using Dilemma.Grains.Rooms;

namespace Dilemma.Grains.Sessions;

/// <summary>
/// A session's statistics from its rooms' figures, as a pure function: per round the choices and consensus
/// choices counted by option, in how many rooms the round closed and reached a consensus, how individual choices moved into
/// the consensus, the confidences, timeouts, absences and bots.
/// </summary>
public static class SessionResultsCalculator
{
    public static SessionResults Compute(string sessionCode, int roomsTotal, IReadOnlyList<SessionRoomResult> rooms)
    {
        var rounds = Enumerable.Range(1, RoomRules.Rounds).Select(n =>
        {
            var of = rooms.SelectMany(r => r.Rounds.Where(x => x.RoundNumber == n)).ToList();
            var options = of.Count == 0 ? 0 : of.Max(x => x.OptionCount);
            var closed = of.Where(x => x.Closed).ToList();
            var agreed = closed.Count(x => x.Consensus is not null);
            return new SessionRoundResults(
                n,
                Enumerable.Range(0, options).Select(o => closed.Sum(x => x.Choices.Count(c => c == o))).ToList(),
                Enumerable.Range(0, options).Select(o => closed.Count(x => x.Consensus == o)).ToList(),
                closed.Count,
                agreed,
                closed.Count == 0 ? null : Math.Round(agreed / (double)closed.Count, 4),
                closed.Count(x => x.NoConsensus),
                of.Sum(x => x.TimedOut),
                of.Sum(x => x.Absent),
                closed.Sum(x => x.BotChoices),
                Enumerable.Range(0, options).Select(from => (IReadOnlyList<int>)Enumerable.Range(0, options)
                    .Select(to => closed.Where(x => x.Consensus == to).Sum(x => x.Choices.Count(c => c == from))).ToList()).ToList(),
                RoomStatisticsCalculator.Mean(closed.SelectMany(x => x.Confidences ?? []).Select(c => (double)c)),
                RoomStatisticsCalculator.Mean(closed.Where(x => x.Consensus is not null).Select(x => x.ConsensusConfidence).OfType<int>().Select(c => (double)c)));
        }).ToList();
        return new SessionResults(
            sessionCode,
            roomsTotal,
            rooms.Count(r => r.Phase != RoomPhase.Waiting),
            rooms.Count(r => r.Phase == RoomPhase.Finished),
            rounds,
            rooms.Sum(r => r.DroppedSeats),
            rooms.Sum(r => r.RemovedSeats),
            rooms.Sum(r => r.BotSeats));
    }
}
