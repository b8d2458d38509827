using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// The export ledger fingerprints the key each export's pseudonyms were made with, so a researcher holding two CSV files
/// can tell from the ledger whether their pseudonyms can be joined. Null on exports recorded before, and on exports
/// that were not pseudonymised.
/// </summary>
[Migration(2026121101, "Export ledger pseudonym key id")]
public sealed class ExportLedgerPseudonymKeyId : Migration
{
    public override void Up() =>
        Execute.Sql("ALTER TABLE research_exports ADD pseudonym_key_id CHAR(16) NULL");

    public override void Down() =>
        Execute.Sql("ALTER TABLE research_exports DROP COLUMN pseudonym_key_id");
}
