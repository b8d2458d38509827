using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// Withdrawal deletes the facilitator actions about a user, retention those on a removed room or seat, and
/// <c>GET /auth/me/data</c> lists them: each by an index. Without one, every such delete scans the whole audit inside
/// the erasure's transaction and, under InnoDB's next-key locks, holds every facilitator's inserts until it commits.
/// </summary>
[Migration(2026120398, "Facilitator action erasure")]
public sealed class FacilitatorActionErasure : Migration
{
    public override void Up()
    {
        Execute.Sql("CREATE INDEX ix_facilitator_actions_user ON facilitator_actions (user_id)");
        Execute.Sql("CREATE INDEX ix_facilitator_actions_room ON facilitator_actions (room_code, user_id)");
    }

    public override void Down()
    {
        Execute.Sql("DROP INDEX ix_facilitator_actions_room ON facilitator_actions");
        Execute.Sql("DROP INDEX ix_facilitator_actions_user ON facilitator_actions");
    }
}
