namespace Dilemma.Grains.Scenarios;

/// <summary>
/// The scenario bank broke one or more of its rules. Thrown while a silo starts, so a bad file
/// stops the deployment instead of a game halfway through; the message lists every problem of
/// every file at once, so an author fixes them in one pass.
/// </summary>
public sealed class InvalidScenarioBankException : Exception
{
    public InvalidScenarioBankException(IReadOnlyList<ScenarioBankViolation> violations)
        : base(Describe(violations))
    {
        Violations = violations;
    }

    public InvalidScenarioBankException()
        : this([])
    {
    }

    public InvalidScenarioBankException(string message)
        : base(message)
    {
        Violations = [];
    }

    public InvalidScenarioBankException(string message, Exception innerException)
        : base(message, innerException)
    {
        Violations = [];
    }

    public IReadOnlyList<ScenarioBankViolation> Violations { get; }

    private static string Describe(IReadOnlyList<ScenarioBankViolation> violations) =>
        $"The scenario bank is invalid ({violations.Count} problem(s)):"
        + string.Concat(violations.Select(v => $"{Environment.NewLine}  {v}"));
}

/// <summary>One broken rule: the file, the rule's stable name (see <see cref="ScenarioBankRules"/>) and where in the file.</summary>
public sealed record ScenarioBankViolation(string File, string Rule, string Detail)
{
    public override string ToString() => $"{File}: [{Rule}] {Detail}";
}

/// <summary>The names of the bank's rules, as they appear in <see cref="InvalidScenarioBankException"/> messages.</summary>
public static class ScenarioBankRules
{
    /// <summary>The file is not JSON of the documented shape (unknown or duplicate field, wrong type).</summary>
    public const string Json = "json";

    /// <summary>The bank holds no scenario at all.</summary>
    public const string NotEmpty = "bank_not_empty";

    /// <summary><c>id</c> is present, matches <c>^[a-z0-9-]+$</c> and is at most 64 characters.</summary>
    public const string Id = "id";

    /// <summary><c>topic</c> is present, matches <c>^[a-z0-9-]+$</c> and is at most 64 characters.</summary>
    public const string Topic = "topic";

    /// <summary>No two files share an <c>id</c>.</summary>
    public const string UniqueId = "id_unique";

    /// <summary>No two files share a <c>topic</c>.</summary>
    public const string UniqueTopic = "topic_unique";

    /// <summary>Exactly five rounds.</summary>
    public const string RoundCount = "round_count";

    /// <summary>Rounds are numbered 1 to 5, in order.</summary>
    public const string RoundNumber = "round_number";

    /// <summary>Two to four options per round.</summary>
    public const string OptionCount = "option_count";

    /// <summary>Every text is present and non-blank in both Korean and English.</summary>
    public const string Text = "text";

    /// <summary><c>role_contexts</c> has exactly the roles "1", "2" and "3".</summary>
    public const string Roles = "role_contexts";
}
