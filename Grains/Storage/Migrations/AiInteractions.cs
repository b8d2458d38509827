using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// What the AI facilitator put before people (<c>ai_interactions</c>): one row per set of questions shown to a
/// participant, per feedback shown (to a participant, or to the whole room when a facilitator asked for it:
/// <c>user_id</c> null) and per bot choice (to the bot's seat), with the provider, model and prompt version that
/// produced it and whether it fell back to the offline rules, and why. The text itself is not kept: it follows from
/// the scenario, the prompt version and the room's own rows.
/// </summary>
/// <remarks>Same conventions as <see cref="ConnectionQuality"/>: utf8mb4 tables, UTC <c>DATETIME(6)</c>, named keys.</remarks>
[Migration(2026120391, "AI interactions")]
public sealed class AiInteractions : Migration
{
    private const string TableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC";

    private const string RoomCodeType = "CHAR(6) CHARACTER SET ascii COLLATE ascii_bin";

    public override void Up() =>
        Execute.Sql($"""
            CREATE TABLE ai_interactions (
                id BIGINT NOT NULL AUTO_INCREMENT,
                room_code {RoomCodeType} NOT NULL,
                user_id BIGINT NULL,
                kind VARCHAR(16) NOT NULL,
                round_number TINYINT NULL,
                occurred_at DATETIME(6) NOT NULL,
                provider VARCHAR(32) NOT NULL,
                model VARCHAR(255) NULL,
                prompt_version VARCHAR(64) NOT NULL,
                fell_back BOOLEAN NOT NULL,
                fallback_reason VARCHAR(32) NULL,
                CONSTRAINT pk_ai_interactions PRIMARY KEY (id),
                INDEX ix_ai_interactions_room (room_code, id),
                INDEX ix_ai_interactions_user (user_id),
                CONSTRAINT fk_ai_interactions_room FOREIGN KEY (room_code) REFERENCES rooms (room_code),
                CONSTRAINT fk_ai_interactions_user FOREIGN KEY (user_id) REFERENCES users (id)
            ) {TableOptions}
            """);

    public override void Down() => Delete.Table("ai_interactions");
}
