using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// Bot participants: a bot is a user row (the research tables reference <c>users</c>) marked
/// <c>is_bot</c>, and every choice a bot makes is marked too, so the data never passes a bot's
/// choice off as a person's. (<c>room_events.is_bot</c> exists since <see cref="RoomEvents"/>.)
/// </summary>
[Migration(2026120315, "Bot participants")]
public sealed class BotParticipants : Migration
{
    public override void Up()
    {
        Execute.Sql("ALTER TABLE users ADD COLUMN is_bot TINYINT(1) NOT NULL DEFAULT 0");
        Execute.Sql("ALTER TABLE round_choices ADD COLUMN is_bot TINYINT(1) NOT NULL DEFAULT 0");
    }

    public override void Down()
    {
        Delete.Column("is_bot").FromTable("round_choices");
        Delete.Column("is_bot").FromTable("users");
    }
}
