namespace Dilemma.Grains.Interfaces.Research;

/// <summary>
/// Withdrawal by the code shown at the end of a game, for a participant who no longer holds their token
/// (a guest on another device). Stateless; use key 0.
/// </summary>
public interface IResearchWithdrawalGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Erases every research row of the participant the code was issued to (see <c>IUserGrain.EraseResearchDataAsync</c>)
    /// and spends the code. <c>invalid_withdrawal_code</c> (422, field <c>code</c>) for a malformed code,
    /// <c>withdrawal_code_not_found</c> (404, field <c>code</c>) for one never issued or already spent.
    /// </summary>
    Task<ResearchErasure> WithdrawAsync(string code, CancellationToken cancellationToken = default);
}

/// <summary>One erasure as it happened: how many research rows were deleted, and when (UTC).</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.research-erasure")]
public sealed record ResearchErasure(
    [property: Id(0)] long RowsErased,
    [property: Id(1)] DateTimeOffset ErasedAt);

/// <summary>
/// An erasure as the export ledger keeps it: when, how many rows, and what asked for it (<see cref="ErasureKinds"/>);
/// never whose rows they were.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.erasure-ledger-entry")]
public sealed record ErasureLedgerEntry(
    [property: Id(0)] long Id,
    [property: Id(1)] DateTime ErasedAt,
    [property: Id(2)] long RowsErased,
    [property: Id(3)] string Kind);

/// <summary>One page of the erasure ledger; <see cref="Total"/> counts every erasure.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.erasure-ledger-page")]
public sealed record ErasureLedgerPage(
    [property: Id(0)] IReadOnlyList<ErasureLedgerEntry> Items,
    [property: Id(1)] int Page,
    [property: Id(2)] int PageSize,
    [property: Id(3)] long Total);

/// <summary>Erasures recorded up to a moment: how many, and the rows they deleted in all.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.erasure-totals")]
public sealed record ErasureTotals(
    [property: Id(0)] long Erasures,
    [property: Id(1)] long ErasedRows)
{
    public static ErasureTotals None { get; } = new(0, 0);
}

/// <summary>The words of <c>research_erasures.kind</c>: what asked for the erasure.</summary>
public static class ErasureKinds
{
    /// <summary>The participant, signed in (<c>DELETE /auth/me/research-data</c>).</summary>
    public const string Account = "account";

    /// <summary>The participant, with the code shown at the end of a game (<c>POST /research/withdrawals</c>).</summary>
    public const string WithdrawalCode = "withdrawal_code";

    /// <summary>The daily retention run removed rooms that ended over <c>Research:RetentionDays</c> ago.</summary>
    public const string Retention = "retention";

    /// <summary>The daily retention run removed seats without data consent past <c>Research:RetentionDaysWithoutConsent</c>.</summary>
    public const string RetentionWithoutConsent = "retention_without_consent";
}
