using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// Every generated scenario as it was made (<c>generated_scenarios</c>), written when it is generated, so the
/// research export can give a room's generated scenario its full text and provenance in one query: the scenario
/// grain's own state is a serialized blob no query can read. <c>scenario_json</c> is the scenario (every text in
/// Korean and English); <c>raw_answer_sha256</c> the SHA-256 of the model's answer as received (null when the
/// offline rules made the scenario: there was no model answer), so a study can show which answer it rests on.
/// </summary>
/// <remarks>
/// Keyed by the scenario id, a hash of its content: the same id generated again is the same scenario, and the
/// first row's provenance stays. Not research data about a person: no user column, no erasure.
/// </remarks>
[Migration(2026120395, "Generated scenario provenance")]
public sealed class GeneratedScenarioProvenance : Migration
{
    private const string TableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC";

    public override void Up() =>
        Execute.Sql($"""
            CREATE TABLE generated_scenarios (
                scenario_id VARCHAR(64) NOT NULL,
                topic VARCHAR(64) NOT NULL,
                source VARCHAR(16) NOT NULL,
                provider VARCHAR(32) NOT NULL,
                model VARCHAR(255) NULL,
                prompt_version VARCHAR(64) NOT NULL,
                fell_back BOOLEAN NOT NULL,
                fallback_reason VARCHAR(32) NULL,
                generated_at DATETIME(6) NOT NULL,
                raw_answer_sha256 VARCHAR(64) NULL,
                scenario_json MEDIUMTEXT NOT NULL,
                CONSTRAINT pk_generated_scenarios PRIMARY KEY (scenario_id)
            ) {TableOptions}
            """);

    public override void Down() => Delete.Table("generated_scenarios");
}
