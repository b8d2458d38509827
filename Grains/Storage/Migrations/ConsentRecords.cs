using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>Consent as a record: every grant and withdrawal with its consent text version, and on each user the version and time of the consents held now.</summary>
/// <remarks>Same conventions as <see cref="ResearchTables"/>: utf8mb4 tables, UTC <c>DATETIME(6)</c>, named keys.</remarks>
[Migration(2026120301, "Consent records and consent versions")]
public sealed class ConsentRecords : Migration
{
    private const string TableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC";

    // Versions are YYYY-MM, or the words 'unversioned' and 'legacy': ASCII compared exactly.
    private const string VersionType = "VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin";

    public override void Up()
    {
        // The consent held now, with the text version it was granted under: the export reads these with the user
        // row it already joins, so the history below is never scanned per participant.
        Execute.Sql($"""
            ALTER TABLE users
                ADD COLUMN data_consent_version {VersionType} NULL,
                ADD COLUMN data_consent_at DATETIME(6) NULL,
                ADD COLUMN voice_consent_version {VersionType} NULL,
                ADD COLUMN voice_consent_at DATETIME(6) NULL
            """);

        // Append-only: kind is 'data' or 'voice', decision 'granted' or 'withdrawn'. A consent given before this table
        // existed has no row; its user row still says it is held (version empty).
        Execute.Sql($"""
            CREATE TABLE consent_records (
                id BIGINT NOT NULL AUTO_INCREMENT,
                user_id BIGINT NOT NULL,
                kind VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
                version {VersionType} NOT NULL,
                decision VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
                recorded_at DATETIME(6) NOT NULL,
                CONSTRAINT pk_consent_records PRIMARY KEY (id),
                INDEX ix_consent_records_user (user_id, id),
                CONSTRAINT fk_consent_records_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
            ) {TableOptions}
            """);
    }

    public override void Down()
    {
        Delete.Table("consent_records");
        Execute.Sql("ALTER TABLE users DROP COLUMN data_consent_version, DROP COLUMN data_consent_at, DROP COLUMN voice_consent_version, DROP COLUMN voice_consent_at");
    }
}
