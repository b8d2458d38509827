using FluentMigrator;

namespace Dilemma.Grains.Storage.Migrations;

/// <summary>
/// The language the deciding page showed a round's text in when a choice or a consensus was sent
/// (<c>round_choices.language</c>, <c>round_choice_submissions.language</c>, <c>consensus_choices.language</c>:
/// <c>ko</c> or <c>en</c>), so a study can say in which language each decision's stimulus was read. Null when the
/// client did not say (the original front end, and every row written before this migration), and for a bot's choice.
/// </summary>
/// <remarks>
/// Added at the end of each table and nullable: no row is rewritten, and every old row reads as "not recorded". ASCII:
/// the two codes are all it holds.
/// </remarks>
[Migration(2026121002, "Decision language")]
public sealed class DecisionLanguage : Migration
{
    private const string LanguageType = "CHAR(2) CHARACTER SET ascii COLLATE ascii_bin NULL";

    public override void Up()
    {
        Execute.Sql($"ALTER TABLE round_choices ADD COLUMN language {LanguageType}");
        Execute.Sql($"ALTER TABLE round_choice_submissions ADD COLUMN language {LanguageType}");
        Execute.Sql($"ALTER TABLE consensus_choices ADD COLUMN language {LanguageType}");
    }

    public override void Down()
    {
        Execute.Sql("ALTER TABLE consensus_choices DROP COLUMN language");
        Execute.Sql("ALTER TABLE round_choice_submissions DROP COLUMN language");
        Execute.Sql("ALTER TABLE round_choices DROP COLUMN language");
    }
}
