using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// A room opened by a session keeps the session's code and study label (<c>rooms.session_code</c>,
/// <c>rooms.study_label</c>; null for a room opened by hand), so an export can select one session's or one
/// study's rooms; the export ledger records those filters beside the others.
/// </summary>
/// <remarks>
/// Each index leads with the filter column and ends with the room code, the order the export reads rooms in,
/// so a filtered export walks one index range in order. Both are utf8mb4_bin: a session code is compared
/// exactly, and so is a study label, which a researcher types and must not match another label by case.
/// </remarks>
[Migration(2026120392, "Room session code and study label")]
public sealed class RoomSessionAndStudy : Migration
{
    private const string SessionCodeType = "VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";

    private const string StudyLabelType = "VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";

    public override void Up()
    {
        Execute.Sql($"""
            ALTER TABLE rooms
                ADD COLUMN session_code {SessionCodeType} NULL,
                ADD COLUMN study_label {StudyLabelType} NULL,
                ADD INDEX ix_rooms_session (session_code, room_code),
                ADD INDEX ix_rooms_study (study_label, room_code)
            """);
        Execute.Sql($"""
            ALTER TABLE research_exports
                ADD COLUMN filter_session {SessionCodeType} NULL,
                ADD COLUMN filter_study {StudyLabelType} NULL
            """);
    }

    public override void Down()
    {
        Execute.Sql("ALTER TABLE research_exports DROP COLUMN filter_study, DROP COLUMN filter_session");
        Execute.Sql("ALTER TABLE rooms DROP INDEX ix_rooms_study, DROP INDEX ix_rooms_session, DROP COLUMN study_label, DROP COLUMN session_code");
    }
}
