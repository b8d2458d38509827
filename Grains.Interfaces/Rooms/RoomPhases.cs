namespace Dilemma.Grains.Interfaces.Rooms;

/// <summary>
/// The words for a room's phase, written once: a room's <c>phase</c> and the lobby's <c>status</c> filter
/// on the wire, the export's <c>room_phase</c> column and filter, and the <c>rooms.status</c> column.
/// </summary>
public static class RoomPhases
{
    public const string Waiting = "waiting";
    public const string Started = "started";
    public const string Finished = "finished";

    public static string Word(RoomPhase phase) => phase switch
    {
        RoomPhase.Started => Started,
        RoomPhase.Finished => Finished,
        _ => Waiting,
    };

    /// <summary>The phase a word names; false for any other word (the words are lower case, as the contract spells them).</summary>
    public static bool TryParse(string? word, out RoomPhase phase)
    {
        (var known, phase) = word switch
        {
            Waiting => (true, RoomPhase.Waiting),
            Started => (true, RoomPhase.Started),
            Finished => (true, RoomPhase.Finished),
            _ => (false, RoomPhase.Waiting),
        };
        return known;
    }
}
