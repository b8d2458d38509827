using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// The export ledger names the build that read each export's rows (its version and commit), so a figure computed from a
/// cited export can be traced to the code that selected, pseudonymised and hashed it. Null on exports recorded before.
/// </summary>
[Migration(2026120903, "Export ledger software version")]
public sealed class ExportLedgerSoftwareVersion : Migration
{
    public override void Up() =>
        Execute.Sql("ALTER TABLE research_exports ADD software_version VARCHAR(128) NULL");

    public override void Down() =>
        Execute.Sql("ALTER TABLE research_exports DROP COLUMN software_version");
}
