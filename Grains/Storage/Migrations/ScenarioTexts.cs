using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// The text each room played (<c>scenario_texts</c>, <c>rooms.scenario_sha256</c>): when a room is created, the scenario
/// it plays is stored under the SHA-256 of its canonical serialisation (<c>ScenarioText</c>), once per distinct text, and
/// the room names that hash. The export then gives a room the words its players saw, even after the bank built into a
/// later version is reworded; before, it gave a bank scenario's text from the bank of the build doing the export.
/// </summary>
/// <remarks>
/// Rooms created before this migration have no hash (null) and keep the old reading: their text is the exporting build's
/// bank (or <c>generated_scenarios</c>), which the codebook says. Not data about a person: no user column, no erasure,
/// and retention leaves a text that no room names any more (a few kilobytes each, one per wording ever played).
/// </remarks>
[Migration(2026121001, "Scenario texts")]
public sealed class ScenarioTexts : Migration
{
    private const string Sha256Type = "CHAR(64) CHARACTER SET ascii COLLATE ascii_bin";

    public override void Up()
    {
        Execute.Sql($"""
            CREATE TABLE scenario_texts (
                text_sha256 {Sha256Type} NOT NULL,
                scenario_id VARCHAR(64) NOT NULL,
                scenario_json MEDIUMTEXT NOT NULL,
                recorded_at DATETIME(6) NOT NULL,
                CONSTRAINT pk_scenario_texts PRIMARY KEY (text_sha256)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC
            """);
        Execute.Sql($"ALTER TABLE rooms ADD COLUMN scenario_sha256 {Sha256Type} NULL");
    }

    public override void Down()
    {
        Execute.Sql("ALTER TABLE rooms DROP COLUMN scenario_sha256");
        Delete.Table("scenario_texts");
    }
}
