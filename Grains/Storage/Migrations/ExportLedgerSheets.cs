using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// Each export's every sheet, counted and hashed, in the ledger (<c>research_exports.sheets</c>: a JSON array of
/// <c>{"Sheet", "Rows", "Sha256"}</c> in workbook order), not only the participants and rooms sheets its first columns hold.
/// NULL for exports recorded before this, which had only those two.
/// </summary>
[Migration(2026120397, "Export ledger sheets")]
public sealed class ExportLedgerSheets : Migration
{
    public override void Up() => Execute.Sql("ALTER TABLE research_exports ADD COLUMN sheets JSON NULL");

    public override void Down() => Delete.Column("sheets").FromTable("research_exports");
}
