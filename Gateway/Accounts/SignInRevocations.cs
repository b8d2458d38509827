using System.Collections.Concurrent;
using System.Security.Claims;
using Dilemma.Grains.Interfaces.Accounts;

namespace Dilemma.Gateway.Accounts;

/// <summary>
/// This gateway's copy of the revoked sign-ins (<see cref="ISignInRevocationsGrain"/>): every request's token is
/// checked against memory only, and <see cref="SyncAsync"/> brings the copy up to date, from the poll every
/// <c>Auth:RevocationPollSeconds</c> and at once after a sign-out this gateway handled. Entries are dropped after
/// <see cref="AccountRules.RevocationMemory"/>, when no token of theirs is accepted anyway, so the copy holds at most
/// that window's sign-outs.
/// </summary>
public sealed class SignInRevocations(IGrainFactory grains, JwtSettings settings, TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);

    // The open sockets, each with what to do when its sign-in is revoked; scanned only when a sync learns something new.
    private readonly ConcurrentDictionary<SignInWatch, byte> _watches = new();

    // One sync at a time: the cursor of one answer is what the next asks with.
    private readonly SemaphoreSlim _syncing = new(1, 1);
    private SignInRevocationCursor? _cursor;

    /// <summary>The sign-in an access token names (<see cref="AccessTokens.SignInClaim"/>); null for a token minted before tokens named one.</summary>
    public static string? SignInOf(ClaimsPrincipal principal) => principal.FindFirstValue(AccessTokens.SignInClaim);

    /// <summary>Whether the sign-in was revoked; a lock-free read, as every authenticated request asks it.</summary>
    public bool IsRevoked(string? signInId) => signInId is not null && _revoked.ContainsKey(signInId);

    /// <summary>Learns the revocations recorded since the last sync, and forgets those old enough to be of no more use.</summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        await _syncing.WaitAsync(cancellationToken);
        try
        {
            var page = await grains.GetGrain<ISignInRevocationsGrain>(0).PollAsync(_cursor, settings.AccessTokenLifetime, cancellationToken);
            var learnt = page.Revoked.Where(revocation => _revoked.TryAdd(revocation.SignInId, revocation.RevokedAt)).Select(r => r.SignInId).ToHashSet(StringComparer.Ordinal);
            _cursor = page.Cursor;
            ForgetOld();
            if (learnt.Count > 0)
            {
                foreach (var watch in _watches.Keys.Where(watch => learnt.Contains(watch.SignInId)))
                {
                    watch.OnRevoked();
                }
            }
        }
        finally
        {
            _syncing.Release();
        }
    }

    /// <summary>
    /// Calls <paramref name="onRevoked"/> (at once, or from a later sync) when <paramref name="signInId"/> is revoked, until
    /// the answer is disposed: an open socket outlives the access token it was admitted with, so it is told too.
    /// </summary>
    public IDisposable Watch(string? signInId, Action onRevoked)
    {
        if (signInId is null)
        {
            return SignInWatch.None;
        }

        var watch = new SignInWatch(signInId, onRevoked, _watches);
        _watches.TryAdd(watch, 0);

        // Revoked between the socket's admission and this: no later sync would name it again.
        if (IsRevoked(signInId))
        {
            onRevoked();
        }

        return watch;
    }

    public void Dispose() => _syncing.Dispose();

    private void ForgetOld()
    {
        var horizon = time.GetUtcNow() - AccountRules.RevocationMemory(settings.AccessTokenLifetime);
        foreach (var (signInId, revokedAt) in _revoked)
        {
            if (revokedAt < horizon)
            {
                _revoked.TryRemove(signInId, out _);
            }
        }
    }

    private sealed class SignInWatch(string signInId, Action onRevoked, ConcurrentDictionary<SignInWatch, byte>? watches) : IDisposable
    {
        public static readonly SignInWatch None = new(string.Empty, () => { }, null);

        public string SignInId => signInId;

        public void OnRevoked() => onRevoked();

        public void Dispose() => watches?.TryRemove(this, out _);
    }
}
