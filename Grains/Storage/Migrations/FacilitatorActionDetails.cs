using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// What two facilitator actions carry besides room and participant: the text of a broadcast, and the room a
/// participant was moved to. Null for every other action (and for the rows written before).
/// </summary>
/// <remarks>to_room_code is utf8mb4_bin rather than ASCII: a six-digit code compared exactly either way.</remarks>
[Migration(2026120393, "Facilitator action details")]
public sealed class FacilitatorActionDetails : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            ALTER TABLE facilitator_actions
                ADD COLUMN message VARCHAR(280) NULL,
                ADD COLUMN to_room_code CHAR(6) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL
            """);
    }

    public override void Down()
    {
        Delete.Column("message").FromTable("facilitator_actions");
        Delete.Column("to_room_code").FromTable("facilitator_actions");
    }
}
