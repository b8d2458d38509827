using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// The export ledger says which sheet a csv export handed out. A csv export reads the participants and rooms sheets whatever
/// sheet it writes, so its entry listed the same sheets, counts and hashes for a csv of rooms as for one of participants, and
/// nobody could tell from the ledger which file left. Null for xlsx, and for csv exports recorded before.
/// </summary>
[Migration(2026120901, "Export ledger csv sheet")]
public sealed class ExportLedgerCsvSheet : Migration
{
    public override void Up() =>
        Execute.Sql("ALTER TABLE research_exports ADD csv_sheet VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL");

    public override void Down() =>
        Execute.Sql("ALTER TABLE research_exports DROP COLUMN csv_sheet");
}
