using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// The export ledger says whom each export could name: whether its user ids were pseudonyms (and for which study) and
/// whether usernames and nicknames went with them. Only the manifest of the file handed out said so, and an audit of
/// who took identifying data cannot rest on files outside the system. Null on exports recorded before.
/// </summary>
[Migration(2026120500, "Export ledger privacy")]
public sealed class ExportLedgerPrivacy : Migration
{
    public override void Up() =>
        Execute.Sql("""
            ALTER TABLE research_exports
                ADD pseudonymised BOOLEAN NULL,
                ADD pseudonym_study VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
                ADD names_included BOOLEAN NULL
            """);

    public override void Down() =>
        Execute.Sql("ALTER TABLE research_exports DROP COLUMN names_included, DROP COLUMN pseudonym_study, DROP COLUMN pseudonymised");
}
