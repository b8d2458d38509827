using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Dilemma.Grains.Accounts;

/// <summary>
/// Embedded mode's way to the first admin: a random code printed at start-up, which one
/// registration may present to become admin. Only someone who can read the process's output has
/// it, so a stranger cannot race the operator to the role. Cluster mode keeps none (the operator
/// runs <c>grant-role</c> against the database instead).
/// </summary>
public sealed class AdminSetupCode(bool enabled)
{
    // 24 random bytes: 192 bits, 32 characters of base64url.
    private const int CodeBytes = 24;
    private readonly Lock _lock = new();
    private string? _code;
    private bool _spent;
    private bool _held;

    /// <summary>The code, made on first use; null when this deployment keeps none or it is spent.</summary>
    public string? Current
    {
        get
        {
            lock (_lock)
            {
                return !enabled || _spent ? null : _code ??= Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(CodeBytes));
            }
        }
    }

    /// <summary>Takes the code for one registration; false when it is wrong, spent or taken by a registration still running.</summary>
    public bool TryHold(string presented)
    {
        lock (_lock)
        {
            if (_code is null || _spent || _held || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(_code)))
            {
                return false;
            }

            _held = true;
            return true;
        }
    }

    /// <summary>Ends a hold: a registration that made its admin spends the code, one that failed gives it back.</summary>
    public void Release(bool spent)
    {
        lock (_lock)
        {
            _held = false;
            _spent |= spent;
        }
    }

    /// <summary>No more code once an admin exists, however they became one.</summary>
    public void Retire()
    {
        lock (_lock)
        {
            _spent = true;
        }
    }
}
