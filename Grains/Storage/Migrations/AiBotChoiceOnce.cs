using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// A bot's choice is one row of <c>ai_interactions</c> per bot and round: it gets a key, <c>bot_choice_key</c>, unique within
/// its room, so a choice made again after its room's save failed (the room comes back without it and the bot chooses anew)
/// replaces the row instead of adding a second. Questions and feedback have no key: each ask is shown, so each is a row.
/// </summary>
/// <remarks>
/// The later of two rows recorded before this migration is the one kept: a choice made again overwrote the bot's
/// <c>round_choices</c> row, so the later interaction is the one that produced the choice the export shows.
/// </remarks>
[Migration(2026120702, "A bot's choice is one AI interaction")]
public sealed class AiBotChoiceOnce : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            ALTER TABLE ai_interactions ADD COLUMN bot_choice_key VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin
                GENERATED ALWAYS AS (CASE WHEN kind = 'bot_choice' THEN CONCAT(IFNULL(user_id, ''), ':', IFNULL(round_number, '')) END) STORED
            """);
        Execute.Sql("""
            DELETE earlier FROM ai_interactions earlier
            JOIN ai_interactions later ON later.room_code = earlier.room_code AND later.bot_choice_key = earlier.bot_choice_key AND later.id > earlier.id
            """);
        Execute.Sql("ALTER TABLE ai_interactions ADD CONSTRAINT uq_ai_interactions_bot_choice UNIQUE (room_code, bot_choice_key)");
    }

    public override void Down()
    {
        Execute.Sql("ALTER TABLE ai_interactions DROP INDEX uq_ai_interactions_bot_choice");
        Execute.Sql("ALTER TABLE ai_interactions DROP COLUMN bot_choice_key");
    }
}
