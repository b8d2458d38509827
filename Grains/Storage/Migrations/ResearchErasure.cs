using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// Withdrawal: the erasure ledger (when, how many rows, what asked; never who), the withdrawal codes shown at the
/// end of a game (their SHA-256 only), and on each export the erasures recorded before it read.
/// </summary>
/// <remarks>Same conventions as <see cref="ResearchTables"/>: utf8mb4 tables, UTC <c>DATETIME(6)</c>, named keys.</remarks>
[Migration(2026120341, "Research erasure ledger and withdrawal codes")]
public sealed class ResearchErasure : Migration
{
    private const string TableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC";

    private const string RoomCodeType = "CHAR(6) CHARACTER SET ascii COLLATE ascii_bin";

    public override void Up()
    {
        // Deliberately no user column: the ledger must say that rows went, not whose.
        Execute.Sql($"""
            CREATE TABLE research_erasures (
                id BIGINT NOT NULL AUTO_INCREMENT,
                erased_at DATETIME(6) NOT NULL,
                rows_erased BIGINT NOT NULL,
                kind VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
                CONSTRAINT pk_research_erasures PRIMARY KEY (id)
            ) {TableOptions}
            """);

        // The code is 120 unguessable bits (random at first, now a keyed HMAC); a lookup by its hash is the only way in. Deleted with the user's other research rows.
        Execute.Sql($"""
            CREATE TABLE withdrawal_codes (
                code_sha256 BINARY(32) NOT NULL,
                room_code {RoomCodeType} NOT NULL,
                user_id BIGINT NOT NULL,
                issued_at DATETIME(6) NOT NULL,
                CONSTRAINT pk_withdrawal_codes PRIMARY KEY (code_sha256),
                INDEX ix_withdrawal_codes_user (user_id),
                CONSTRAINT fk_withdrawal_codes_room FOREIGN KEY (room_code) REFERENCES rooms (room_code),
                CONSTRAINT fk_withdrawal_codes_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
            ) {TableOptions}
            """);

        // Exports taken before erasures existed saw none.
        Execute.Sql("""
            ALTER TABLE research_exports
                ADD COLUMN erasures BIGINT NOT NULL DEFAULT 0,
                ADD COLUMN erased_rows BIGINT NOT NULL DEFAULT 0
            """);
    }

    public override void Down()
    {
        Execute.Sql("ALTER TABLE research_exports DROP COLUMN erasures, DROP COLUMN erased_rows");
        Delete.Table("withdrawal_codes");
        Delete.Table("research_erasures");
    }
}
