using Dilemma.Grains.Interfaces.Errors;
using Microsoft.Extensions.Options;

namespace Dilemma.Grains.Accounts;

/// <summary>
/// bcrypt with a bound on how many hashes run at once in this process, so that a login flood
/// costs logins, not every other request: a caller that cannot get a slot soon is told to come
/// back later instead of queueing without end.
/// </summary>
public sealed class PasswordHasher : IDisposable
{
    // A hash of a password nobody has, checked for unknown users so that their answer takes as
    // long as a wrong password's and the two cannot be told apart by timing.
    private readonly Lazy<string> _decoyHash;
    private readonly SemaphoreSlim _slots;
    private readonly AccountOptions _options;

    public PasswordHasher(IOptions<AccountOptions> options)
    {
        _options = options.Value;
        _slots = new SemaphoreSlim(_options.PasswordHashConcurrency, _options.PasswordHashConcurrency);
        _decoyHash = new Lazy<string>(() => BCrypt.Net.BCrypt.HashPassword(Guid.NewGuid().ToString("N"), _options.BcryptWorkFactor));
    }

    public Task<string> HashAsync(string password, CancellationToken cancellationToken) =>
        RunAsync(() => BCrypt.Net.BCrypt.HashPassword(password, _options.BcryptWorkFactor), cancellationToken);

    /// <summary>Checks a password against a stored hash, or against a decoy when there is none.</summary>
    public Task<bool> VerifyAsync(string password, string? storedHash, CancellationToken cancellationToken) =>
        RunAsync(
            () =>
            {
                var matches = BCrypt.Net.BCrypt.Verify(password, storedHash ?? _decoyHash.Value);
                return matches && storedHash is not null;
            },
            cancellationToken);

    public void Dispose() => _slots.Dispose();

    private async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        if (!await _slots.WaitAsync(_options.PasswordHashWaitMilliseconds, cancellationToken))
        {
            throw new RuleViolationException(RuleViolationKind.Busy, "auth_busy", "Too many sign-ins at once; try again in a moment.");
        }

        try
        {
            // bcrypt is a quarter second of CPU: run it on the thread pool so the grain's
            // scheduler turn, and in embedded mode the request thread, are not the ones blocked.
            return await Task.Run(work, cancellationToken);
        }
        finally
        {
            _slots.Release();
        }
    }
}
