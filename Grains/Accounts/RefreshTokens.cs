using System.Buffers.Text;
using System.Security.Cryptography;

namespace Dilemma.Grains.Accounts;

/// <summary>
/// Opaque refresh tokens: 32 random bytes for the client, only their SHA-256 for the store,
/// so a leaked table cannot be replayed.
/// </summary>
public static class RefreshTokens
{
    private const int TokenBytes = 32;
    private const int FamilyBytes = 16;

    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));

    public static byte[] NewFamilyId() => RandomNumberGenerator.GetBytes(FamilyBytes);

    /// <summary>
    /// The sign-in id access tokens carry (<c>sid</c>) for a family: a digest, because an access token is readable by
    /// whoever holds it, and the family id is the key the store finds a sign-in's tokens by. 128 bits, like the family.
    /// </summary>
    public static string SignInIdOf(byte[] familyId)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(familyId, digest);
        return Base64Url.EncodeToString(digest[..FamilyBytes]);
    }

    /// <summary>The stored form of a token; null for a string that cannot be one of ours.</summary>
    public static byte[]? HashOf(string token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 128 || !Base64Url.IsValid(token, out var decodedLength) || decodedLength != TokenBytes)
        {
            return null;
        }

        return SHA256.HashData(Base64Url.DecodeFromChars(token));
    }
}
