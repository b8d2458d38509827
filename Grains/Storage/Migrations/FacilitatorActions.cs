using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// The audit of what facilitators did to a session and its rooms: who, what, which room or
/// participant, when, and the reason they gave. One row per action that took effect.
/// </summary>
/// <remarks>Same conventions as <see cref="RoomEvents"/>: utf8mb4 tables, UTC <c>DATETIME(6)</c>, named keys.</remarks>
[Migration(2026120360, "Facilitator actions")]
public sealed class FacilitatorActions : Migration
{
    private const string TableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC";

    public override void Up()
    {
        // session_code: sessions live in grain state, so there is no table to reference; the index serves a session's timeline.
        Execute.Sql($"""
            CREATE TABLE facilitator_actions (
                id BIGINT NOT NULL AUTO_INCREMENT,
                session_code VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
                actor_id BIGINT NOT NULL,
                action VARCHAR(32) NOT NULL,
                room_code CHAR(6) CHARACTER SET ascii COLLATE ascii_bin NULL,
                user_id BIGINT NULL,
                reason VARCHAR(500) NULL,
                occurred_at DATETIME(6) NOT NULL,
                CONSTRAINT pk_facilitator_actions PRIMARY KEY (id),
                INDEX ix_facilitator_actions_session (session_code, id),
                CONSTRAINT fk_facilitator_actions_actor FOREIGN KEY (actor_id) REFERENCES users (id)
            ) {TableOptions}
            """);
    }

    public override void Down() => Delete.Table("facilitator_actions");
}
