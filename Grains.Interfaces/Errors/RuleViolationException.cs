namespace Dilemma.Grains.Interfaces.Errors;

/// <summary>
/// The one exception a grain throws when a request breaks a rule. It crosses the wire to the
/// gateway, which maps <see cref="Kind"/> to an HTTP status and <see cref="Code"/> to the
/// problem body's stable <c>code</c>. Nothing else about the failure leaves the silo.
/// </summary>
[GenerateSerializer]
[Alias("dilemma.rule-violation")]
public sealed class RuleViolationException : Exception
{
    public RuleViolationException(RuleViolationKind kind, string code, string message)
        : base(message)
    {
        Kind = kind;
        Code = code;
    }

    public RuleViolationException()
        : this(RuleViolationKind.Conflict, "rule_violation", "A rule was violated.")
    {
    }

    public RuleViolationException(string message)
        : this(RuleViolationKind.Conflict, "rule_violation", message)
    {
    }

    public RuleViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "rule_violation";
    }

    /// <summary>Which family of failure this is; the gateway turns it into a status code.</summary>
    [Id(0)]
    public RuleViolationKind Kind { get; init; }

    /// <summary>Stable machine-readable code, e.g. <c>room_full</c>.</summary>
    [Id(1)]
    public string Code { get; init; }

    /// <summary>The request field the rule is about, when there is one.</summary>
    [Id(2)]
    public string? Field { get; init; }

    /// <summary>For <see cref="RuleViolationKind.TooManyRequests"/>: whole seconds before trying again.</summary>
    [Id(3)]
    public int? RetryAfterSeconds { get; init; }

    public static RuleViolationException NotFound(string code, string message) => new(RuleViolationKind.NotFound, code, message);

    public static RuleViolationException Conflict(string code, string message) => new(RuleViolationKind.Conflict, code, message);

    /// <summary>A conflict about one field of the request (a username someone has): named, as an invalid value is, so a form marks it.</summary>
    public static RuleViolationException Conflict(string code, string field, string message) =>
        new(RuleViolationKind.Conflict, code, message) { Field = field };

    public static RuleViolationException Gone(string code, string message) => new(RuleViolationKind.Gone, code, message);

    public static RuleViolationException Forbidden(string code, string message) => new(RuleViolationKind.Forbidden, code, message);

    public static RuleViolationException Unauthorized(string code, string message) => new(RuleViolationKind.Unauthorized, code, message);

    public static RuleViolationException TooManyRequests(string code, string message, TimeSpan retryAfter) =>
        new(RuleViolationKind.TooManyRequests, code, message) { RetryAfterSeconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) };

    public static RuleViolationException Invalid(string code, string field, string message) =>
        new(RuleViolationKind.Invalid, code, message) { Field = field };
}

/// <summary>Families of rule violation, each with one HTTP status at the edge.</summary>
[GenerateSerializer]
public enum RuleViolationKind
{
    /// <summary>409: conflicts with the current state.</summary>
    Conflict = 0,

    /// <summary>404: the thing named does not exist.</summary>
    NotFound = 1,

    /// <summary>403: authenticated but not allowed.</summary>
    Forbidden = 2,

    /// <summary>401: not authenticated (bad credentials or token).</summary>
    Unauthorized = 3,

    /// <summary>422: well-formed but invalid values.</summary>
    Invalid = 4,

    /// <summary>503: the service is saturated; the same request may succeed shortly.</summary>
    Busy = 5,

    /// <summary>400: the request is malformed (a room code that is not six digits, say).</summary>
    Malformed = 6,

    /// <summary>429: too many attempts; <see cref="RuleViolationException.RetryAfterSeconds"/> says when to come back.</summary>
    TooManyRequests = 7,

    /// <summary>410: it existed and was removed for good (a room's research data past the retention period, say).</summary>
    Gone = 8,
}
