using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>The research export ledger, covering indexes for the export, and the voice recording events of the voice session channel.</summary>
/// <remarks>Same conventions as <see cref="ResearchTables"/>: utf8mb4 tables, UTC <c>DATETIME(6)</c>, named keys.</remarks>
[Migration(2026112603, "Research export ledger and recording events")]
public sealed class ExportLedgerAndRecordingEvents : Migration
{
    private const string TableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC";

    private const string RoomCodeType = "CHAR(6) CHARACTER SET ascii COLLATE ascii_bin";

    public override void Up()
    {
        // One row per completed export: enough to say later which rows a cited dataset held (filters, counts,
        // digests in a named canonical form) and who took it. requested_by_name keeps the name as it was then.
        Execute.Sql($"""
            CREATE TABLE research_exports (
                id BIGINT NOT NULL AUTO_INCREMENT,
                export_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
                requested_by BIGINT NOT NULL,
                requested_by_name VARCHAR(32) NOT NULL,
                format VARCHAR(8) NOT NULL,
                filter_from DATETIME(6) NULL,
                filter_to DATETIME(6) NULL,
                filter_topic VARCHAR(64) NULL,
                filter_phase VARCHAR(16) NULL,
                started_at DATETIME(6) NOT NULL,
                completed_at DATETIME(6) NOT NULL,
                participant_rows BIGINT NOT NULL,
                room_rows BIGINT NOT NULL,
                excluded_participants BIGINT NOT NULL,
                participants_sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
                rooms_sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
                canonical_form VARCHAR(32) NOT NULL,
                CONSTRAINT pk_research_exports PRIMARY KEY (id),
                CONSTRAINT uq_research_exports_export_id UNIQUE (export_id),
                INDEX ix_research_exports_started (started_at),
                INDEX ix_research_exports_requested_by (requested_by),
                CONSTRAINT fk_research_exports_requested_by FOREIGN KEY (requested_by) REFERENCES users (id)
            ) {TableOptions}
            """);

        // Covering indexes for the research export: it reads a seat's choices and a room's consensus from these
        // alone, one index descent each, instead of one unique-key lookup per round plus a row read.
        Execute.Sql("CREATE INDEX ix_round_choices_export ON round_choices (room_code, user_id, round_number, choice, confidence)");
        Execute.Sql("CREATE INDEX ix_consensus_choices_export ON consensus_choices (room_code, round_number, choice, confidence)");

        // event_type is 'recording_started' or 'recording_stopped'; the index serves a room's timeline.
        Execute.Sql($"""
            CREATE TABLE recording_events (
                id BIGINT NOT NULL AUTO_INCREMENT,
                room_code {RoomCodeType} NOT NULL,
                user_id BIGINT NOT NULL,
                event_type VARCHAR(32) NOT NULL,
                occurred_at DATETIME(6) NOT NULL,
                CONSTRAINT pk_recording_events PRIMARY KEY (id),
                INDEX ix_recording_events_room (room_code, occurred_at),
                CONSTRAINT fk_recording_events_room FOREIGN KEY (room_code) REFERENCES rooms (room_code),
                CONSTRAINT fk_recording_events_user FOREIGN KEY (user_id) REFERENCES users (id)
            ) {TableOptions}
            """);
    }

    public override void Down()
    {
        Delete.Table("recording_events");
        Execute.Sql("DROP INDEX ix_consensus_choices_export ON consensus_choices");
        Execute.Sql("DROP INDEX ix_round_choices_export ON round_choices");
        Delete.Table("research_exports");
    }
}
