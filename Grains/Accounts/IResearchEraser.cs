namespace Dilemma.Grains.Accounts;

/// <summary>
/// Erases one user's research rows, for withdrawal. Declared beside the user grain that asks (as
/// <see cref="IHeldResearchReader"/>) and implemented by the research stores. Every time is UTC.
/// </summary>
public interface IResearchEraser
{
    /// <summary>
    /// What a withdrawal would reach now, read without changing anything: whether the user is in a game (as
    /// <see cref="EraseAsync"/> refuses) and the rooms they have seats in.
    /// </summary>
    Task<ErasureScope> ScopeAsync(long userId, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: refuses (<see cref="ErasureOutcome.InGame"/>) while the user is seated in a waiting room or
    /// has a seat in a started one; otherwise deletes their seats, choices, room events about them, recording events and
    /// withdrawal codes, unlinks them from consensus rows they submitted, room events they caused and others' link reports, and records the
    /// erasure (time, rows deleted, <paramref name="kind"/>; not the user) in the erasure ledger.
    /// </summary>
    Task<ErasureOutcome> EraseAsync(long userId, string kind, DateTime at, CancellationToken cancellationToken);

    /// <summary>The user a withdrawal code (its SHA-256) was issued to, or null if none was or it was spent.</summary>
    Task<long?> FindWithdrawalCodeAsync(byte[] codeSha256, CancellationToken cancellationToken);
}

/// <summary>
/// What an erasure did: nothing while the user is in a game, else how many rows it deleted and the rooms the user had seats
/// in (whose grains forget them too, <c>IRoomGrain.ForgetWithdrawnAsync</c>: those <see cref="ErasureScope"/> listed before,
/// any other after).
/// </summary>
public readonly record struct ErasureOutcome(bool InGame, long RowsErased, IReadOnlyList<string> Rooms);

/// <summary>Whether the user is in a game, and the rooms they have seats in.</summary>
public readonly record struct ErasureScope(bool InGame, IReadOnlyList<string> Rooms);
