using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// A bot's choice keeps the one sentence the model gave for it (<c>round_choices.bot_reason</c>),
/// so the data says why a bot chose what it did; empty for a person's choice and for the seeded
/// rule's (offline, or after a failed model call).
/// </summary>
[Migration(2026120370, "Bot reasons")]
public sealed class BotReasons : Migration
{
    public override void Up() =>
        Execute.Sql($"ALTER TABLE round_choices ADD COLUMN bot_reason VARCHAR({Ai.BotChoices.MaxReasonLength}) NULL");

    public override void Down() => Delete.Column("bot_reason").FromTable("round_choices");
}
