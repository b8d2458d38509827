using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// The export ledger counts the seats an export left out because their user withdrew data consent. A withdrawal of consent
/// erases nothing (an erasure is in research_erasures), so nothing told a researcher holding an earlier export that some of its
/// rows were no longer consented to. Null on exports recorded before.
/// </summary>
[Migration(2026120902, "Export ledger withdrawn participants")]
public sealed class ExportLedgerWithdrawnParticipants : Migration
{
    public override void Up() =>
        Execute.Sql("ALTER TABLE research_exports ADD withdrawn_participants BIGINT NULL");

    public override void Down() =>
        Execute.Sql("ALTER TABLE research_exports DROP COLUMN withdrawn_participants");
}
