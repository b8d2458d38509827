using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// A facilitator action that can be named gets a key, <c>once_key</c>, unique within its session, so an action replayed after
/// its answer or its audit was lost is recorded once: an end by its room (<c>end_room:</c> and the code: a room ends once), an
/// action sent with an <c>Idempotency-Key</c> by a SHA-256 digest (hex) of the actor, the key and the request. Actions without
/// either have no key and are a row each time. Rows written before have none.
/// </summary>
/// <remarks>
/// A unique key rather than a read before the insert, as for <see cref="RoomEventsOnce"/>: the insert is its own check, and a NULL
/// key is never a duplicate. ASCII compared exactly: the digest and the room code are ASCII, and two keys differing in case are two.
/// </remarks>
[Migration(2026120701, "Facilitator actions recorded once")]
public sealed class FacilitatorActionsOnce : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            ALTER TABLE facilitator_actions
                ADD COLUMN once_key VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
                ADD CONSTRAINT uq_facilitator_actions_once UNIQUE (session_code, once_key)
            """);
    }

    public override void Down()
    {
        Execute.Sql("ALTER TABLE facilitator_actions DROP INDEX uq_facilitator_actions_once");
        Execute.Sql("ALTER TABLE facilitator_actions DROP COLUMN once_key");
    }
}
