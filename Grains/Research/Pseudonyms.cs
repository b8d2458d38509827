using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dilemma.Grains.Research;

/// <summary>
/// The one pseudonym function of the export. A study's key is derived from <c>Research:PseudonymKey</c> with HKDF-SHA256
/// (the study label as the info), and a user's pseudonym is HMAC-SHA256 of their id under that key, read as a number:
/// the same person has the same pseudonym in every export of a study and unrelated ones in different studies, and
/// without the secret a pseudonym cannot be traced back nor linked across studies.
/// </summary>
/// <remarks>
/// A pseudonym is a 16-digit whole number from 1,000,000,000,000,000 to 8,999,999,999,999,999: under 2^53, so a
/// spreadsheet holds it exactly as a number (the user id columns keep their type), and never a real user id, which
/// counts up from 1. Among 100,000 people of one study two share a pseudonym with a probability under 10^-6.
/// </remarks>
public sealed partial class Pseudonyms
{
    /// <summary>The study of an export without a <c>study</c> filter.</summary>
    public const string DefaultStudy = "default";

    private const long Base = 1_000_000_000_000_000;
    private const ulong Span = 8_000_000_000_000_000;

    // About 4 MB of remembered pseudonyms per export at most: every user of a 100,000-participant export.
    private const int RememberedPerExport = 1 << 17;

    private readonly byte[] _secret;

    public Pseudonyms(IOptions<PseudonymOptions> options, ILogger<Pseudonyms> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Enabled = options.Value.Pseudonymise;
        if (options.Value.PseudonymKey is { } key)
        {
            _secret = Encoding.UTF8.GetBytes(key);
        }
        else
        {
            // Only embedded mode gets here (cluster mode refuses to start without a key while pseudonymising).
            _secret = RandomNumberGenerator.GetBytes(32);
            if (Enabled)
            {
                LogGeneratedKey(logger);
            }
        }
    }

    /// <summary>Research:Pseudonymise.</summary>
    public bool Enabled { get; }

    /// <summary>
    /// The pseudonym function of one study (<see cref="DefaultStudy"/> when null), or the identity when pseudonyms are off.
    /// The function remembers what it computed and is for one caller at a time (one export).
    /// </summary>
    public Func<long, long> For(string? study)
    {
        if (!Enabled)
        {
            return static id => id;
        }

        var key = StudyKey(study);

        // An export names each user once per row they appear in (a million times at 100,000 participants, every sheet
        // walking the same rooms), and an HMAC per name was an eighth of the silo's CPU. Bounded, so memory does not
        // grow with the export: a full table starts over, and rows come by room, so a room's users are still met again.
        var known = new Dictionary<long, long>();
        return id =>
        {
            if (known.TryGetValue(id, out var pseudonym))
            {
                return pseudonym;
            }

            if (known.Count >= RememberedPerExport)
            {
                known.Clear();
            }

            pseudonym = Of(key, id);
            known[id] = pseudonym;
            return pseudonym;
        };
    }

    /// <summary>
    /// A fingerprint of the key a study's pseudonyms are made with, or null when pseudonyms are off: the first 8 bytes of
    /// HMAC-SHA256 of <c>dilemma-pseudonym-key-id-v1</c> under the study's key, in lower-case hex. One-way, so it tells
    /// nothing of the key; equal in two exports exactly when their pseudonyms can be joined. Embedded mode without
    /// <c>Research:PseudonymKey</c> makes a key per process, and a researcher joining exports across a restart would
    /// otherwise find different people where there are the same.
    /// </summary>
    public string? KeyId(string? study)
    {
        if (!Enabled)
        {
            return null;
        }

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(StudyKey(study), "dilemma-pseudonym-key-id-v1"u8, mac);
        return Convert.ToHexStringLower(mac[..8]);
    }

    private byte[] StudyKey(string? study) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, 32, salt: [], info: Encoding.UTF8.GetBytes("dilemma-pseudonym-v1:" + (study ?? DefaultStudy)));

    /// <summary>The pseudonym of <paramref name="userId"/> under a study's key: HMAC-SHA256 of the id in decimal, first 8 bytes big-endian.</summary>
    public static long Of(byte[] studyKey, long userId)
    {
        Span<byte> text = stackalloc byte[20];
        userId.TryFormat(text, out var length, provider: CultureInfo.InvariantCulture);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(studyKey, text[..length], mac);
        return Base + (long)(BinaryPrimitives.ReadUInt64BigEndian(mac) % Span);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Research:PseudonymKey is not set: export pseudonyms use a key made for this process, so they change when it restarts. Set it (environment variable Research__PseudonymKey) for pseudonyms that stay the same.")]
    private static partial void LogGeneratedKey(ILogger logger);
}
