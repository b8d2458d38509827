using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// The sign-in revocation list, when it activates, reads the families revoked within the last access-token lifetime
/// (<c>revoked_at</c> of the last few minutes). Without an index that read scans every refresh token ever kept, a whole
/// table of them on the silo that happens to activate it; with one it reads only those minutes' rows.
/// </summary>
[Migration(2026120801, "Refresh tokens found by their revocation time")]
public sealed class RefreshTokensByRevocation : Migration
{
    public override void Up() =>
        Execute.Sql("CREATE INDEX ix_refresh_tokens_revoked ON refresh_tokens (revoked_at)");

    public override void Down() =>
        Execute.Sql("DROP INDEX ix_refresh_tokens_revoked ON refresh_tokens");
}
