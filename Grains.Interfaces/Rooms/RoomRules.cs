using System.Text.RegularExpressions;
using Dilemma.Grains.Interfaces.Errors;

namespace Dilemma.Grains.Interfaces.Rooms;

/// <summary>The game's fixed numbers, shared by the room grain (which enforces them) and the edge (which checks shape).</summary>
public static partial class RoomRules
{
    public const int Capacity = 3;
    public const int Rounds = 5;
    public const int MinRole = 1;
    public const int MaxRole = 3;
    public const int MinChoice = 0;
    public const int MaxChoice = 3;
    public const int MinConfidence = 1;
    public const int MaxConfidence = 5;
    public const int NicknameMaxLength = 32;
    public const int TitleMaxLength = 100;
    public const int TopicMaxLength = 64;
    public const int SubmissionIdMaxLength = 64;
    public const int CodeLength = 6;

    /// <summary>Bounds of a room's round timers (<c>choice_seconds</c>, <c>consensus_seconds</c>).</summary>
    public const int MinTimerSeconds = 1;
    public const int MaxTimerSeconds = 3600;

    /// <summary>Exactly six ASCII digits; leading zeros are part of the code.</summary>
    [GeneratedRegex(@"^[0-9]{6}\z", RegexOptions.CultureInvariant)]
    public static partial Regex CodePattern();

    public static bool IsRoomCode(string? code) => code is not null && CodePattern().IsMatch(code);

    /// <summary>
    /// The one answer to a code that is not six digits, wherever it comes from (a path, a body, a
    /// socket's query): malformed, 400 <c>invalid_room_code</c>, naming <paramref name="field"/> (<c>room_code</c> unless the
    /// code came in another field, such as a move's <c>to_room_code</c>).
    /// </summary>
    public static RuleViolationException InvalidRoomCode(string field = "room_code") =>
        new(RuleViolationKind.Malformed, "invalid_room_code", "A room code is exactly six digits, e.g. \"042917\".") { Field = field };

    /// <summary>The code itself when it is six digits; otherwise throws <see cref="InvalidRoomCode"/> (for a grain's own key; the gateway returns the problem).</summary>
    public static string EnsureRoomCode(string? code) => IsRoomCode(code) ? code! : throw InvalidRoomCode();

    /// <summary>The role names of product.md, by role id.</summary>
    public static string RoleName(int roleId) => roleId switch
    {
        1 => "caregiver",
        2 => "family_member",
        3 => "ai_developer",
        _ => "unknown",
    };

    /// <summary>The nickname a room seats one under who gave none: their account's name, cut to a nickname's length.</summary>
    public static string NicknameFromAccount(string accountName) =>
        accountName.Length > NicknameMaxLength ? accountName[..NicknameMaxLength] : accountName;
}
