using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// <c>connection_quality.peer_user_id</c> may be NULL: when a participant withdraws (or retention removes their seat),
/// the other participants' reports of their links to them stay (the measures are the reporters' data) and lose only whom
/// the link went to, as consensus rows lose <c>submitted_by</c>.
/// </summary>
[Migration(2026120396, "Connection quality peer erasure")]
public sealed class ConnectionQualityPeerErasure : Migration
{
    public override void Up()
    {
        Execute.Sql("ALTER TABLE connection_quality MODIFY peer_user_id BIGINT NULL");
        Execute.Sql("CREATE INDEX ix_connection_quality_peer ON connection_quality (peer_user_id)");
    }

    public override void Down()
    {
        Execute.Sql("DROP INDEX ix_connection_quality_peer ON connection_quality");
        Execute.Sql("ALTER TABLE connection_quality MODIFY peer_user_id BIGINT NOT NULL");
    }
}
