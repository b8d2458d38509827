using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>When a room's recording started and stopped, and who did it: research events beside the choices.</summary>
[Migration(2026112603, "Recording events")]
public sealed class RecordingEvents : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE recording_events (
                id BIGINT NOT NULL AUTO_INCREMENT,
                room_code CHAR(6) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
                user_id BIGINT NOT NULL,
                event_type VARCHAR(32) NOT NULL,
                occurred_at DATETIME(6) NOT NULL,
                CONSTRAINT pk_recording_events PRIMARY KEY (id),
                INDEX ix_recording_events_room (room_code, occurred_at),
                INDEX ix_recording_events_user (user_id),
                CONSTRAINT fk_recording_events_room FOREIGN KEY (room_code) REFERENCES rooms (room_code),
                CONSTRAINT fk_recording_events_user FOREIGN KEY (user_id) REFERENCES users (id)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC
            """);
    }

    public override void Down()
    {
        Execute.Sql("DROP TABLE recording_events");
    }
}
