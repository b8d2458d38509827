using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dilemma.Grains.Accounts;

/// <summary>
/// The recent revocations, numbered in the order this activation learnt them, so a gateway asks only for what came
/// after the last one it saw. Memory holds them; the account store, which revoked each family before it was recorded
/// here, is what a new activation reloads the window from, so a silo's restart loses none.
/// </summary>
/// <remarks>
/// Bounded by time, not count: a revocation is dropped once <see cref="AccountRules.RevocationMemory"/> has passed
/// (16.5 minutes with the default 15-minute tokens), so it holds the sign-outs and reuses of that window, some 60 bytes each.
/// The lifetime is the longest of this silo's setting and what its readers said theirs is (<see cref="PollAsync"/>), at most
/// <see cref="LongestReaderLifetime"/>: a setting that differs between gateways and silos then costs memory, not a sign-out.
/// Non-reentrant: a page is read while no revocation is half recorded. The window is read from the store again every
/// <see cref="AccountOptions.RevocationReloadSeconds"/>: a family the store revoked and this list was never told of (the
/// silo that detected a reuse died before telling it) is then refused too, not left working until its token expires.
/// </remarks>
public sealed partial class SignInRevocationsGrain(IAccountStore store, IOptions<AccountOptions> options, TimeProvider time, ILogger<SignInRevocationsGrain> logger)
    : Grain, ISignInRevocationsGrain
{
    // A reader holding a cursor of another activation gets everything: this numbering starts again at 0.
    private readonly Guid _activation = Guid.NewGuid();
    private readonly Queue<NumberedRevocation> _revocations = new();
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private long _version;

    // The longest access-token lifetime a reader has polled with since this activation began.
    private TimeSpan _readerLifetime;

    /// <summary>The longest reader's token lifetime the list keeps revocations for: more is taken as this.</summary>
    public static readonly TimeSpan LongestReaderLifetime = TimeSpan.FromDays(30);

    private TimeSpan Memory => AccountRules.RevocationMemory(options.Value.AccessTokenLifetime > _readerLifetime ? options.Value.AccessTokenLifetime : _readerLifetime);

    public override Task OnActivateAsync(CancellationToken cancellationToken) => StorageFailure.TranslatedAsync(() => ActivateAsync(cancellationToken));

    public Task RevokeAsync(string signInId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(signInId);
        Forget();
        Remember(signInId, time.GetUtcNow());
        return Task.CompletedTask;
    }

    public async Task<SignInRevocationsPage> PollAsync(SignInRevocationCursor? cursor, TimeSpan readerTokenLifetime, CancellationToken cancellationToken)
    {
        var lifetime = readerTokenLifetime > LongestReaderLifetime ? LongestReaderLifetime : readerTokenLifetime;
        if (lifetime > _readerLifetime)
        {
            var before = Memory;
            _readerLifetime = lifetime;
            if (Memory > before)
            {
                // What this activation dropped, or never loaded, of the longer window.
                await ReloadAsync(cancellationToken);
            }
        }

        return await GetSinceAsync(cursor, cancellationToken);
    }

    public Task<SignInRevocationsPage> GetSinceAsync(SignInRevocationCursor? cursor, CancellationToken cancellationToken)
    {
        Forget();
        var after = cursor?.Activation == _activation ? cursor.Version : 0;
        var revoked = _revocations.Where(r => r.Version > after).Select(r => r.Revocation).ToList();
        return Task.FromResult(new SignInRevocationsPage(revoked, new SignInRevocationCursor(_activation, _version)));
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var since = (time.GetUtcNow() - Memory).UtcDateTime;
        foreach (var family in await store.GetFamiliesRevokedSinceAsync(since, cancellationToken))
        {
            Remember(RefreshTokens.SignInIdOf(family.FamilyId), new DateTimeOffset(DateTime.SpecifyKind(family.RevokedAt, DateTimeKind.Utc)));
        }
    }

    private async Task ActivateAsync(CancellationToken cancellationToken)
    {
        await ReloadAsync(cancellationToken);
        var period = TimeSpan.FromSeconds(options.Value.RevocationReloadSeconds);
        this.RegisterGrainTimer(ReloadAgainAsync, new GrainTimerCreationOptions(period, period));
    }

    private async Task ReloadAgainAsync(CancellationToken cancellationToken)
    {
        try
        {
            Forget();
            await ReloadAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The store is out of reach: what this list holds stands, and the next period reads again.
            LogReloadFailed(logger, e.GetType().Name);
        }
    }

    private void Remember(string signInId, DateTimeOffset revokedAt)
    {
        // A logout retried after this answered is the same revocation: numbering it again would only resend it.
        if (_known.Add(signInId))
        {
            _revocations.Enqueue(new NumberedRevocation(++_version, new RevokedSignIn(signInId, revokedAt)));
        }
    }

    private void Forget()
    {
        var horizon = time.GetUtcNow() - Memory;
        while (_revocations.TryPeek(out var oldest) && oldest.Revocation.RevokedAt < horizon)
        {
            _known.Remove(_revocations.Dequeue().Revocation.SignInId);
        }
    }

    private readonly record struct NumberedRevocation(long Version, RevokedSignIn Revocation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The revocation list could not read the store's recent revocations ({Error}); it reads again next period")]
    private static partial void LogReloadFailed(ILogger logger, string error);
}
