using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Sessions;

namespace Dilemma.Grains.Sessions;

/// <summary>A room the grouping makes: who sits in it, bots to add, and whether it starts now.</summary>
public sealed record PlannedRoom(IReadOnlyList<SessionPoolEntry> Members, int Bots, bool Start);

/// <summary>
/// The rooms for a pool, and what became of the one or two left over (no outcome when the pool divided by three):
/// the last <paramref name="RemainderRooms"/> rooms are the ones the remainder rule shaped.
/// </summary>
public sealed record GroupingPlan(IReadOnlyList<PlannedRoom> Rooms, string? RemainderOutcome, IReadOnlyList<SessionPoolEntry> Remainder, int RemainderRooms = 0);

/// <summary>
/// How a session's pool becomes rooms of three, as a pure function of the pool (shuffled by the
/// caller) and the session's remainder rule: nothing here touches a grain, so every case is easy to read.
/// </summary>
public static class SessionGrouping
{
    public const string OutcomeWaiting = "waiting";
    public const string OutcomeBots = "bots";
    public const string OutcomePairs = "pairs";

    /// <summary>
    /// With <paramref name="balanceByAttribute"/>, the pool is ordered by attribute and dealt round-robin over
    /// the rooms, so each room gets as mixed a set of attribute values as the pool allows; else it is taken in order.
    /// </summary>
    public static GroupingPlan Plan(IReadOnlyList<SessionPoolEntry> shuffled, string remainderRule, bool balanceByAttribute)
    {
        var full = shuffled.Count / RoomRules.Capacity;
        var left = shuffled.Count % RoomRules.Capacity;
        var ordered = balanceByAttribute ? shuffled.OrderBy(p => p.Attribute ?? string.Empty, StringComparer.Ordinal).ToList() : shuffled.ToList();
        var groups = Enumerable.Range(0, full).Select(_ => new List<SessionPoolEntry>()).ToList();
        for (var i = 0; i < full * RoomRules.Capacity; i++)
        {
            groups[balanceByAttribute ? i % full : i / RoomRules.Capacity].Add(ordered[i]);
        }

        var remainder = ordered.Skip(full * RoomRules.Capacity).ToList();
        var rooms = groups.Select(g => new PlannedRoom(g, Bots: 0, Start: true)).ToList();
        if (left == 0)
        {
            return new GroupingPlan(rooms, null, []);
        }

        switch (remainderRule)
        {
            case RemainderRule.Bots:
                rooms.Add(new PlannedRoom(remainder, RoomRules.Capacity - left, Start: true));
                return new GroupingPlan(rooms, OutcomeBots, remainder, RemainderRooms: 1);
            case RemainderRule.Pair when left == 2:
                rooms.Add(new PlannedRoom(remainder, Bots: 0, Start: true));
                return new GroupingPlan(rooms, OutcomePairs, remainder, RemainderRooms: 1);
            case RemainderRule.Pair when full > 0:
                // One left over: the last room of three gives one to make two rooms of two.
                var last = rooms[^1].Members;
                rooms[^1] = new PlannedRoom(last.Take(2).ToList(), Bots: 0, Start: true);
                var pair = new List<SessionPoolEntry> { last[2], remainder[0] };
                rooms.Add(new PlannedRoom(pair, Bots: 0, Start: true));
                return new GroupingPlan(rooms, OutcomePairs, remainder, RemainderRooms: 2);
            default:
                // wait, or a single participant nobody can pair with: the waiting room, which late arrivals fill.
                rooms.Add(new PlannedRoom(remainder, Bots: 0, Start: false));
                return new GroupingPlan(rooms, OutcomeWaiting, remainder, RemainderRooms: 1);
        }
    }
}
