using System.Security.Cryptography;
using Dilemma.Grains.Interfaces.Errors;

namespace Dilemma.Grains.Interfaces.Sessions;

/// <summary>The shape rules of a session and its join code, shared by the gateway (which checks shapes) and the session grain.</summary>
public static class SessionRules
{
    /// <summary>
    /// Digits and capitals without the look-alikes 0/O, 1/I/L: a code read off a projector is typed right.
    /// 31 symbols over 10 places is about 2^49 codes, drawn by a cryptographic generator, so codes cannot be guessed.
    /// </summary>
    public const string CodeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

    public const int CodeLength = 10;

    public const int TitleMaxLength = 100;

    public const int StudyLabelMaxLength = 64;

    public const int AttributeMaxLength = 32;

    public const string VoiceRequired = "required";

    public const string VoiceOptional = "optional";

    public static IReadOnlyList<string> VoiceModes { get; } = [VoiceRequired, VoiceOptional];

    public static string NewCode() => RandomNumberGenerator.GetString(CodeAlphabet, CodeLength);

    /// <summary>Lower case is accepted as typed (<see cref="Normalize"/> reads it as upper case); anything else is <see cref="InvalidSessionCode"/>.</summary>
    public static bool IsSessionCode(string? code) =>
        code is { Length: CodeLength } && code.All(c => CodeAlphabet.Contains(char.ToUpperInvariant(c), StringComparison.Ordinal));

    /// <summary>The session's key for a code that <see cref="IsSessionCode"/> accepts.</summary>
    public static string Normalize(string code) => code.ToUpperInvariant();

    /// <summary>The one answer to a malformed session code: 400 <c>invalid_session_code</c>, naming <c>session_code</c>.</summary>
    public static RuleViolationException InvalidSessionCode() =>
        new(RuleViolationKind.Malformed, "invalid_session_code", $"A session code is {CodeLength} characters from {CodeAlphabet}.") { Field = "session_code" };

    /// <summary>The upper-case code when it is well-formed; otherwise throws <see cref="InvalidSessionCode"/> (for a grain's own key; the gateway returns the problem).</summary>
    public static string EnsureSessionCode(string? code) => IsSessionCode(code) ? Normalize(code!) : throw InvalidSessionCode();
}

/// <summary>What happens to the one or two participants left over when a session's pool is grouped in threes.</summary>
public static class RemainderRule
{
    /// <summary>They wait in the session's waiting room, which starts when late arrivals fill it.</summary>
    public const string Wait = "wait";

    /// <summary>Their room is filled with bots and starts (needs bots_allowed).</summary>
    public const string Bots = "bots";

    /// <summary>They play as a room of two (one left over: two rooms of two, from the last group of three).</summary>
    public const string Pair = "pair";

    public static IReadOnlyList<string> All { get; } = [Wait, Bots, Pair];

    public static bool IsKnown(string? rule) => rule is not null && All.Contains(rule, StringComparer.Ordinal);
}
