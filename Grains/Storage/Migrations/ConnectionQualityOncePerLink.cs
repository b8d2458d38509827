using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// A participant reports a round's link to a peer once. The room used to remember who had reported only for as long
/// as it stayed activated, so a report sent again after a reactivation (a reload, a lost silo) added a second row and
/// the export counted that link twice. The unique key makes the rule the database's: earlier duplicates are dropped
/// (the first report stays), and it takes over the room index whose columns it starts with.
/// </summary>
[Migration(2026120399, "Connection quality once per link")]
public sealed class ConnectionQualityOncePerLink : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            DELETE later FROM connection_quality later
            JOIN connection_quality earlier
              ON earlier.room_code = later.room_code AND earlier.round_number = later.round_number
             AND earlier.user_id = later.user_id AND earlier.peer_user_id = later.peer_user_id AND earlier.id < later.id
            """);
        Execute.Sql("""
            ALTER TABLE connection_quality
                ADD CONSTRAINT uq_connection_quality_link UNIQUE (room_code, round_number, user_id, peer_user_id),
                DROP INDEX ix_connection_quality_room
            """);
    }

    public override void Down() =>
        Execute.Sql("""
            ALTER TABLE connection_quality
                ADD INDEX ix_connection_quality_room (room_code, round_number, user_id),
                DROP INDEX uq_connection_quality_link
            """);
}
