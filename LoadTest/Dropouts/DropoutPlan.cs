namespace Dilemma.LoadTest.Dropouts;

/// <summary>A player who vanishes: the seat (0 is the host) and the round at whose opening they go.</summary>
public readonly record struct Vanisher(int Seat, int Round);

/// <summary>
/// Who vanishes in which game. After n players a table has lost floor(n × rate + table ÷ tables) of them:
/// within one player of <c>rate</c>, each table rounding at its own point so that tables do not lose
/// players in the same games (short runs therefore overshoot by up to one player per table). Seats and
/// rounds come from a generator seeded by table and game alone, so a run can be repeated. Two players of one game vanish in different rounds: the first is dropped before the second
/// goes, which makes the host changes and absences of the game known in advance.
/// </summary>
public static class DropoutPlan
{
    /// <summary>Two of three at most: a game needs one player left to play it to its end.</summary>
    public const double MaxRate = 0.66;

    public static IReadOnlyList<Vanisher> For(double rate, int table, int tables, int game, int seats, int rounds)
    {
        var phase = (double)table / tables;
        var count = (int)(Math.Floor((seats * (game + 1) * rate) + phase) - Math.Floor((seats * game * rate) + phase));
        if (count == 0)
        {
            return [];
        }

        // Not HashCode.Combine: it is seeded afresh in every process, and the plan must be the same from run to run.
        var random = new Random((table * 100_003) + game);
        var chosenSeats = Enumerable.Range(0, seats).OrderBy(_ => random.Next()).Take(count);
        var chosenRounds = Enumerable.Range(1, rounds).OrderBy(_ => random.Next()).Take(count).Order();
        return chosenSeats.Zip(chosenRounds, (seat, round) => new Vanisher(seat, round)).ToList();
    }
}
