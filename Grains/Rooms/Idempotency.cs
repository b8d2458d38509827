using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Rooms;

/// <summary>What the room and room-creation grains share about idempotency keys.</summary>
internal static class Idempotency
{
    /// <summary>A stable digest of a request: the same key is honoured only for the very same request.</summary>
    public static string Fingerprint<T>(T request) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request))));

    public static RuleViolationException Reused() => RuleViolationException.Invalid(
        "idempotency_key_reused",
        IdempotencyKeys.Header,
        $"This {IdempotencyKeys.Header} was used for a different request; a retry must repeat the request exactly, a new request needs a new key.");

    /// <summary>A choice's or consensus's <c>submission_id</c> sent again with another round, choice or confidence.</summary>
    public static RuleViolationException SubmissionReused() => RuleViolationException.Invalid(
        "idempotency_key_reused",
        "submission_id",
        "This submission_id was used for a different submission (round_number, choice or confidence); a retry must repeat the submission exactly, a new submission needs a new submission_id.");

    /// <summary>Keeps the newest <paramref name="kept"/> entries of a list that grows at its end.</summary>
    public static void Trim<T>(List<T> entries, int kept)
    {
        if (entries.Count > kept)
        {
            entries.RemoveRange(0, entries.Count - kept);
        }
    }
}
