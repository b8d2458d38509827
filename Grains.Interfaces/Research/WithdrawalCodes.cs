using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dilemma.Grains.Interfaces.Errors;

namespace Dilemma.Grains.Interfaces.Research;

/// <summary>
/// The withdrawal code a participant is shown at the end of a game: 120 bits of HMAC-SHA256 over the room code and the
/// user id, under a key only the gateways hold, in Crockford base32 (no I, L, O or U, so it reads aloud and copies by
/// hand), as six groups of four. Derived rather than drawn at random so that it can be shown again without being kept:
/// the database holds only its SHA-256 and the room's stored state at most that hash, so neither can be used to
/// withdraw anybody.
/// </summary>
public static class WithdrawalCodes
{
    public const int Length = 24;

    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>
    /// The code of <paramref name="userId"/>'s seat in room <paramref name="roomCode"/> under <paramref name="key"/>, e.g.
    /// <c>7K2M-Q9XD-...</c>: the first 15 bytes of HMAC-SHA256(key, "{roomCode}\n{userId}"), 5 bits a character.
    /// </summary>
    public static string Derive(ReadOnlySpan<byte> key, string roomCode, long userId)
    {
        ArgumentNullException.ThrowIfNull(roomCode);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{roomCode}\n{userId}")), mac);
        var text = new StringBuilder(Length + (Length / 4) - 1);
        for (var i = 0; i < Length; i++)
        {
            if (i > 0 && i % 4 == 0)
            {
                text.Append('-');
            }

            text.Append(Alphabet[FiveBits(mac, i * 5)]);
        }

        return text.ToString();
    }

    /// <summary>
    /// The stored form of a code as someone typed it: case, spaces and dashes ignored, O read as 0 and I or L as 1
    /// (Crockford's rules). <c>invalid_withdrawal_code</c> (422, field <c>code</c>) for anything that cannot be a code.
    /// </summary>
    public static byte[] Hash(string? typed)
    {
        var normal = new StringBuilder(Length);
        foreach (var c in typed ?? string.Empty)
        {
            if (c is '-' or ' ')
            {
                continue;
            }

            var upper = char.ToUpperInvariant(c) switch
            {
                'O' => '0',
                'I' or 'L' => '1',
                var other => other,
            };
            if (!Alphabet.Contains(upper, StringComparison.Ordinal) || normal.Length == Length)
            {
                throw Invalid();
            }

            normal.Append(upper);
        }

        return normal.Length == Length ? SHA256.HashData(Encoding.ASCII.GetBytes(normal.ToString())) : throw Invalid();
    }

    private static int FiveBits(ReadOnlySpan<byte> bytes, int bit)
    {
        var value = 0;
        for (var i = 0; i < 5; i++)
        {
            var at = bit + i;
            value = (value << 1) | ((bytes[at / 8] >> (7 - (at % 8))) & 1);
        }

        return value;
    }

    private static RuleViolationException Invalid() =>
        RuleViolationException.Invalid("invalid_withdrawal_code", "code", $"A withdrawal code is {Length} letters and digits (dashes and spaces ignored), as shown at the end of the game.");
}
