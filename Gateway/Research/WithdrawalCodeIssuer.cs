using System.Security.Cryptography;
using System.Text;
using Dilemma.Gateway.Accounts;
using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Gateway.Research;

/// <summary>
/// Derives each seat's withdrawal code from <c>Auth:JwtKey</c>, so the same code can be shown on every ask without
/// being kept anywhere: the database and the room's stored state hold only its SHA-256.
/// </summary>
/// <remarks>
/// The access-token key rather than a secret of its own: whoever holds it can already sign a token for any user and
/// withdraw them with <c>DELETE /auth/me/research-data</c>, so deriving codes from it gives its holder nothing new, and
/// every gateway already has it (required in cluster mode, made per process in embedded mode, where the codes' rows
/// last no longer than the process either). HKDF keeps the code key unrelated to the signing key itself. A changed
/// key changes the code shown next; the room then issues that one too, and every code shown before stays valid.
/// </remarks>
public sealed class WithdrawalCodeIssuer(JwtSettings jwt)
{
    private readonly byte[] _key =
        HKDF.DeriveKey(HashAlgorithmName.SHA256, jwt.SigningKey.Key, 32, salt: [], info: Encoding.UTF8.GetBytes("dilemma-withdrawal-code-v1"));

    public string CodeFor(string roomCode, long userId) => WithdrawalCodes.Derive(_key, roomCode, userId);
}
