namespace Dilemma.Grains.Interfaces.Accounts;

/// <summary>
/// The sign-ins (refresh-token families) revoked recently: signed out, or ended by a refresh token's reuse. Every
/// gateway polls it and refuses the access tokens of these sign-ins from memory, so no request pays a grain call.
/// It remembers a revocation for <see cref="AccountRules.RevocationMemory"/> of the longest access-token lifetime it
/// knows, its silo's or a reader's (no access token of the sign-in is accepted after that anyway), and reloads that
/// window from the account store when it activates or learns of a longer lifetime. Use key 0.
/// </summary>
public interface ISignInRevocationsGrain : IGrainWithIntegerKey
{
    /// <summary>Records that a sign-in was revoked now; recording it again changes nothing.</summary>
    Task RevokeAsync(string signInId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The revocations after <paramref name="cursor"/>: all that are remembered for a null cursor, or for one of an
    /// earlier activation (whose numbering this one does not continue).
    /// </summary>
    Task<SignInRevocationsPage> GetSinceAsync(SignInRevocationCursor? cursor, CancellationToken cancellationToken = default);

    /// <summary>
    /// What a gateway polls: <see cref="GetSinceAsync"/>, from a reader whose access tokens live
    /// <paramref name="readerTokenLifetime"/>. From then on the list remembers revocations for at least that long, so a
    /// gateway configured with longer tokens than its silos (<c>Auth:AccessTokenMinutes</c>) still learns of every
    /// sign-out its tokens outlive, even when it starts after the silos' own window has passed.
    /// </summary>
    Task<SignInRevocationsPage> PollAsync(SignInRevocationCursor? cursor, TimeSpan readerTokenLifetime, CancellationToken cancellationToken = default);
}

/// <summary>Where a reader of the revocations got to: the activation that answered and the last revocation it numbered.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.sign-in-revocation-cursor")]
public sealed record SignInRevocationCursor(
    [property: Id(0)] Guid Activation,
    [property: Id(1)] long Version);

/// <summary>One revoked sign-in, by the opaque id its access tokens carry (<c>sid</c>), and when it was revoked.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.revoked-sign-in")]
public sealed record RevokedSignIn(
    [property: Id(0)] string SignInId,
    [property: Id(1)] DateTimeOffset RevokedAt);

/// <summary>The revocations a reader had not seen, and the cursor to ask with next time.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.sign-in-revocations-page")]
public sealed record SignInRevocationsPage(
    [property: Id(0)] IReadOnlyList<RevokedSignIn> Revoked,
    [property: Id(1)] SignInRevocationCursor Cursor);
