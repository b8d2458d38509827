using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// The per-round voice-link summaries the browser client sends over the voice socket (<c>link_quality</c>):
/// one row per reporting participant, round and peer. The measures are nullable because <c>getStats()</c>
/// does not always have them (no candidate pair selected yet, no inbound packets).
/// </summary>
[Migration(2026120380, "Connection quality")]
public sealed class ConnectionQuality : Migration
{
    private const string TableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC";

    private const string RoomCodeType = "CHAR(6) CHARACTER SET ascii COLLATE ascii_bin";

    public override void Up() =>
        Execute.Sql($"""
            CREATE TABLE connection_quality (
                id BIGINT NOT NULL AUTO_INCREMENT,
                room_code {RoomCodeType} NOT NULL,
                user_id BIGINT NOT NULL,
                peer_user_id BIGINT NOT NULL,
                round_number TINYINT NOT NULL,
                connection_state VARCHAR(16) NOT NULL,
                relayed BOOLEAN NOT NULL,
                round_trip_ms DOUBLE NULL,
                jitter_ms DOUBLE NULL,
                packets_received BIGINT NULL,
                packets_lost BIGINT NULL,
                reported_at DATETIME(6) NOT NULL,
                CONSTRAINT pk_connection_quality PRIMARY KEY (id),
                INDEX ix_connection_quality_room (room_code, round_number, user_id),
                INDEX ix_connection_quality_user (user_id),
                CONSTRAINT fk_connection_quality_room FOREIGN KEY (room_code) REFERENCES rooms (room_code),
                CONSTRAINT fk_connection_quality_user FOREIGN KEY (user_id) REFERENCES users (id)
            ) {TableOptions}
            """);

    public override void Down() => Delete.Table("connection_quality");
}
