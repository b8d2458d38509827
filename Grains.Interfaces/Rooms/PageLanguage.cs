namespace Dilemma.Grains.Interfaces.Rooms;

/// <summary>
/// The language the deciding page showed a round's text in when a choice or a consensus was sent (<c>language</c> of
/// their request bodies, <c>round_choices.language</c>, <c>round_choice_submissions.language</c>,
/// <c>consensus_choices.language</c>). Optional: the original front end does not send it, and its absence is kept as
/// null ("not recorded"), never guessed.
/// </summary>
public static class PageLanguage
{
    public const string Korean = "ko";

    public const string English = "en";

    public const string Rule = "language is ko or en when given (the language the page showed the round in).";

    /// <summary>The small number the export's queries give a stored language as (0: none), so a row's cell is one of these constants.</summary>
    public static string? FromCode(int code) => code switch
    {
        1 => Korean,
        2 => English,
        _ => null,
    };

    /// <summary>The SQL expression of <see cref="FromCode"/>'s number for a <c>language</c> column.</summary>
    public static string CodeSql(string column) => $"CASE {column} WHEN '{Korean}' THEN 1 WHEN '{English}' THEN 2 ELSE 0 END";
}
