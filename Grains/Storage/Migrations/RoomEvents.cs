using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// What happened to a game besides its choices: a participant's connection lost and regained, a
/// dropout, a timeout, a round without consensus, a host change, an early end. One timestamped
/// row per event, read by the research export.
/// </summary>
/// <remarks>Same conventions as <see cref="ResearchTables"/>: utf8mb4 tables, UTC <c>DATETIME(6)</c>, named keys.</remarks>
[Migration(2026120313, "Room events")]
public sealed class RoomEvents : Migration
{
    private const string TableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC";

    private const string RoomCodeType = "CHAR(6) CHARACTER SET ascii COLLATE ascii_bin";

    public override void Up()
    {
        // user_id: whom the event is about (NULL for the room's own, such as an early end);
        // actor_id: who made it happen (NULL when the server did, e.g. a grace period ran out);
        // round_number: the round it belongs to, when it belongs to one. The index serves a room's timeline.
        Execute.Sql($"""
            CREATE TABLE room_events (
                id BIGINT NOT NULL AUTO_INCREMENT,
                room_code {RoomCodeType} NOT NULL,
                event_type VARCHAR(32) NOT NULL,
                user_id BIGINT NULL,
                round_number INT NULL,
                actor_id BIGINT NULL,
                is_bot TINYINT(1) NOT NULL DEFAULT 0,
                occurred_at DATETIME(6) NOT NULL,
                CONSTRAINT pk_room_events PRIMARY KEY (id),
                INDEX ix_room_events_room (room_code, occurred_at),
                CONSTRAINT fk_room_events_room FOREIGN KEY (room_code) REFERENCES rooms (room_code),
                CONSTRAINT fk_room_events_user FOREIGN KEY (user_id) REFERENCES users (id),
                CONSTRAINT fk_room_events_actor FOREIGN KEY (actor_id) REFERENCES users (id)
            ) {TableOptions}
            """);
    }

    public override void Down() => Delete.Table("room_events");
}
