using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// An event that recurs (a seat's <c>participant_reconnecting</c>, <c>participant_returned</c>, <c>participant_dropped</c>,
/// and <c>host_changed</c> about the seat that takes the role) carries its number among its seat's, <c>occurrence</c>, which
/// the room keeps in its state; <c>once_key</c> includes it. A step run again after its room's save failed (a retried leave,
/// a grace's drop made again at the next activation) carries the number it had and is the row already there; the seat's
/// next real drop has the next number and is recorded.
/// </summary>
/// <remarks>
/// Rows written before this migration have no number and keep a NULL key: a drop recorded twice then cannot be told from
/// a second real drop (a return between them may have been lost the same way), so nothing is removed; they are recorded
/// as before. The expression is the earlier one (<see cref="RoomEventsOnce"/>) with one arm more, so no other row's key
/// changes and the unique key holds throughout.
/// </remarks>
[Migration(2026120700, "Room events that recur, numbered")]
public sealed class RoomEventsOccurrence : Migration
{
    private const string OnceInRoundOrRoom = """
        WHEN event_type IN ('absent', 'timed_out', 'no_consensus')
            THEN CONCAT(event_type, ':', IFNULL(user_id, ''), ':', IFNULL(round_number, ''))
        WHEN event_type IN ('participant_removed', 'participant_moved_out', 'participant_moved_in', 'bot_joined', 'ended_early')
            THEN CONCAT(event_type, ':', IFNULL(user_id, ''))
        """;

    public override void Up()
    {
        Execute.Sql("ALTER TABLE room_events ADD COLUMN occurrence INT NULL");
        Execute.Sql($"""
            ALTER TABLE room_events MODIFY COLUMN once_key VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin
                GENERATED ALWAYS AS (CASE
                    {OnceInRoundOrRoom}
                    WHEN event_type IN ('participant_reconnecting', 'participant_returned', 'participant_dropped', 'host_changed') AND occurrence IS NOT NULL
                        THEN CONCAT(event_type, ':', IFNULL(user_id, ''), ':', occurrence)
                END) STORED
            """);
    }

    public override void Down()
    {
        Execute.Sql($"""
            ALTER TABLE room_events MODIFY COLUMN once_key VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin
                GENERATED ALWAYS AS (CASE
                    {OnceInRoundOrRoom}
                END) STORED
            """);
        Execute.Sql("ALTER TABLE room_events DROP COLUMN occurrence");
    }
}
