namespace Dilemma.LoadTest.Dropouts;

/// <summary>One <c>room_events</c> row as the check compares it: type, whom it is about, round, who caused it.</summary>
public readonly record struct RoomEventRow(string Type, long? UserId, int? Round, long? Actor);

/// <summary>
/// The events a game of the run must leave in <c>room_events</c>, written down as the run causes them, by
/// the rules of the room (<c>on_dropout: continue</c>): a vanished player's last socket closing is
/// <c>participant_reconnecting</c>; the grace running out is <c>participant_dropped</c> (no actor); a
/// dropped host hands over to the earliest-joined player left (<c>host_changed</c>, no actor), all three in the round
/// the player vanished in, which the room waits in for them until the drop; and each round closed without the dropped
/// player's choice is <c>absent</c>.
/// </summary>
public sealed class ExpectedEvents(string roomCode, IReadOnlyList<long> seatsInJoinOrder, int rounds)
{
    private readonly List<RoomEventRow> _rows = [];
    private readonly HashSet<long> _gone = [];
    private long _host = seatsInJoinOrder[0];

    public string RoomCode { get; } = roomCode;

    public IReadOnlyList<RoomEventRow> Rows => _rows;

    /// <summary>The player's socket closed at the opening of <paramref name="round"/> and they made no more requests.</summary>
    public void Vanished(long userId, int round)
    {
        _gone.Add(userId);
        _rows.Add(new RoomEventRow("participant_reconnecting", userId, round, null));
        _rows.Add(new RoomEventRow("participant_dropped", userId, round, null));
        if (userId == _host && seatsInJoinOrder.FirstOrDefault(s => !_gone.Contains(s)) is var next and not 0)
        {
            _host = next;
            _rows.Add(new RoomEventRow("host_changed", next, round, null));
        }

        for (var r = round; r <= rounds; r++)
        {
            _rows.Add(new RoomEventRow("absent", userId, r, null));
        }
    }
}
