using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// Every submission of a choice (<c>round_choice_submissions</c>), one row per revision, written in the same
/// transaction as <c>round_choices</c>, which keeps only the last one for the game to read. The <c>decisions</c>
/// sheet reads this table, so a study sees how a participant changed their mind and when.
/// </summary>
/// <remarks>
/// The unique key is the revision: a retried write of the same revision overwrites its row rather than adding
/// one. Rows already in <c>round_choices</c> (played before this table, imported, generated) are copied in as
/// their one known submission, the last; the importer and the data generator write one too.
/// </remarks>
[Migration(2026120394, "Round choice submissions")]
public sealed class RoundChoiceSubmissions : Migration
{
    private const string TableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC";

    private const string RoomCodeType = "CHAR(6) CHARACTER SET ascii COLLATE ascii_bin";

    public override void Up()
    {
        Execute.Sql($"""
            CREATE TABLE round_choice_submissions (
                id BIGINT NOT NULL AUTO_INCREMENT,
                room_code {RoomCodeType} NOT NULL,
                user_id BIGINT NOT NULL,
                round_number TINYINT NOT NULL,
                revision INT NOT NULL,
                choice TINYINT NOT NULL,
                confidence TINYINT NOT NULL,
                submission_id VARCHAR(64) NULL,
                submitted_at DATETIME(6) NOT NULL,
                is_bot TINYINT(1) NOT NULL DEFAULT 0,
                bot_reason VARCHAR({Ai.BotChoices.MaxReasonLength}) NULL,
                CONSTRAINT pk_round_choice_submissions PRIMARY KEY (id),
                CONSTRAINT uq_round_choice_submissions UNIQUE (room_code, round_number, user_id, revision),
                INDEX ix_round_choice_submissions_user (user_id),
                CONSTRAINT fk_round_choice_submissions_room FOREIGN KEY (room_code) REFERENCES rooms (room_code),
                CONSTRAINT fk_round_choice_submissions_user FOREIGN KEY (user_id) REFERENCES users (id)
            ) {TableOptions}
            """);
        Execute.Sql("""
            INSERT INTO round_choice_submissions (room_code, user_id, round_number, revision, choice, confidence, submission_id, submitted_at, is_bot, bot_reason)
            SELECT room_code, user_id, round_number, revision, choice, confidence, submission_id, updated_at, is_bot, bot_reason FROM round_choices
            """);
    }

    public override void Down() => Delete.Table("round_choice_submissions");
}
