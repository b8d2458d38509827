using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// An event that happens once (a seat's <c>absent</c> or <c>timed_out</c> and a round's <c>no_consensus</c>, once per
/// round; a seat's <c>participant_removed</c>, <c>participant_moved_out</c>, <c>participant_moved_in</c> and
/// <c>bot_joined</c>, once per room; the room's <c>ended_early</c>, once) gets a key, <c>once_key</c>, unique within its
/// room, so a call retried after a failed save, which repeats the event, cannot record it twice. Events that may recur (a
/// drop, a return, a host change) have no key and are recorded each time.
/// </summary>
/// <remarks>
/// A unique key rather than a check before the insert: an insert whose key is new takes no lock on its neighbours, where a
/// <c>NOT EXISTS</c> read locks gaps of the room index (tried first, it failed concurrent games' writes). A NULL key is
/// never a duplicate, so the other events cost the index nothing but its entry. Duplicates recorded before this migration
/// are removed first, the earliest of each kept.
/// </remarks>
[Migration(2026120600, "Room events recorded once")]
public sealed class RoomEventsOnce : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            ALTER TABLE room_events ADD COLUMN once_key VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin
                GENERATED ALWAYS AS (CASE
                    WHEN event_type IN ('absent', 'timed_out', 'no_consensus')
                        THEN CONCAT(event_type, ':', IFNULL(user_id, ''), ':', IFNULL(round_number, ''))
                    WHEN event_type IN ('participant_removed', 'participant_moved_out', 'participant_moved_in', 'bot_joined', 'ended_early')
                        THEN CONCAT(event_type, ':', IFNULL(user_id, ''))
                END) STORED
            """);
        Execute.Sql("""
            DELETE later FROM room_events later
            JOIN room_events earlier ON earlier.room_code = later.room_code AND earlier.once_key = later.once_key AND earlier.id < later.id
            """);
        Execute.Sql("ALTER TABLE room_events ADD CONSTRAINT uq_room_events_once UNIQUE (room_code, once_key)");
    }

    public override void Down()
    {
        Execute.Sql("ALTER TABLE room_events DROP INDEX uq_room_events_once");
        Execute.Sql("ALTER TABLE room_events DROP COLUMN once_key");
    }
}
