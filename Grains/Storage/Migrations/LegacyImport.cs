using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// Rows brought over from the original system (<c>import-legacy</c>): each imported row carries the
/// original's id in <c>legacy_id</c> (NULL for every row this system made), and <c>legacy_imports</c>
/// names every original row ever brought over.
/// </summary>
/// <remarks>
/// The ledger is separate from the rows on purpose: a participant's withdrawal erases their rows, and a
/// later run of the importer must not bring them back, so "already imported" is read from the ledger, which
/// has no foreign key and outlives the rows. The unique keys on <c>legacy_id</c> are what the importer
/// maps original ids through (users, rooms, seats); a unique key allows any number of NULLs.
/// </remarks>
[Migration(2026120340, "Rows imported from the original system")]
public sealed class LegacyImport : Migration
{
    private const string TableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC";

    public override void Up()
    {
        // A nullable column at the end of a table is an instant change on MariaDB 10.3+ and MySQL 8,
        // however many rows the table holds.
        Execute.Sql("ALTER TABLE users ADD COLUMN legacy_id BIGINT NULL, ADD CONSTRAINT uq_users_legacy_id UNIQUE (legacy_id)");
        Execute.Sql("ALTER TABLE rooms ADD COLUMN legacy_id BIGINT NULL, ADD CONSTRAINT uq_rooms_legacy_id UNIQUE (legacy_id)");
        Execute.Sql("ALTER TABLE room_participants ADD COLUMN legacy_id BIGINT NULL, ADD CONSTRAINT uq_room_participants_legacy_id UNIQUE (legacy_id)");

        // Nothing refers to an original choice, so these two are only marked, not indexed.
        Execute.Sql("ALTER TABLE round_choices ADD COLUMN legacy_id BIGINT NULL");
        Execute.Sql("ALTER TABLE consensus_choices ADD COLUMN legacy_id BIGINT NULL");

        // kind is the original's table (users, rooms, room_participants, round_choices, consensus_choices).
        Execute.Sql($"""
            CREATE TABLE legacy_imports (
                kind VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
                legacy_id BIGINT NOT NULL,
                imported_at DATETIME(6) NOT NULL,
                CONSTRAINT pk_legacy_imports PRIMARY KEY (kind, legacy_id)
            ) {TableOptions}
            """);
    }

    public override void Down()
    {
        Delete.Table("legacy_imports");
        Execute.Sql("ALTER TABLE consensus_choices DROP COLUMN legacy_id");
        Execute.Sql("ALTER TABLE round_choices DROP COLUMN legacy_id");
        Execute.Sql("ALTER TABLE room_participants DROP INDEX uq_room_participants_legacy_id, DROP COLUMN legacy_id");
        Execute.Sql("ALTER TABLE rooms DROP INDEX uq_rooms_legacy_id, DROP COLUMN legacy_id");
        Execute.Sql("ALTER TABLE users DROP INDEX uq_users_legacy_id, DROP COLUMN legacy_id");
    }
}
