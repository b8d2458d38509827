using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Edge;
using Dilemma.Gateway.Validation;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Research;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dilemma.Gateway.Research;

/// <summary>Withdrawal from research: signed in, or with the code shown at the end of a game. Each is one grain call.</summary>
public static class WithdrawalApi
{
    private const string ErasureText =
        "Every research row of the participant is deleted, not hidden: their seats, round choices, room events about them, recording events " +
        "and withdrawal codes. Consensus rows they submitted and room events they caused stay with their room, without the link to them. " +
        "Data consent is withdrawn too (a consent row), so later games do not export them. The erasure ledger (GET /research/experiments/erasures) " +
        "records when, how many rows and how (account or withdrawal_code), never who; every later export's manifest counts erasures. " +
        "409 game_in_progress while the participant is seated in a waiting room or has a seat in a started game. Answer: rows_erased, erased_at.";

    public static void MapWithdrawalApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapDelete("/auth/me/research-data", WithdrawSignedInAsync).RequireAuthorization().WithTags("Authentication")
            .WithSummary("Withdraw: erase every research row of the signed-in user")
            .WithDescription(ErasureText)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status409Conflict);

        // Anonymous on purpose: it is for the guest who no longer has a token. The code's 120 keyed-hash bits make guessing
        // hopeless; the per-address concurrency limit of the password endpoints keeps a flood from costing anything.
        endpoints.MapPost("/research/withdrawals", WithdrawByCodeAsync).Validates<WithdrawalRequest>().RequireRateLimiting(RateLimits.PasswordPolicy).WithTags("Research")
            .WithSummary("Withdraw with the code shown at the end of a game (no sign-in needed)")
            .WithDescription(
                "Body {\"code\"}: the withdrawal code from GET /rooms/{room_code}/withdrawal-code (24 letters and digits in groups of four; case, " +
                "dashes and spaces ignored). 422 invalid_withdrawal_code (field code) for anything that cannot be a code; 404 withdrawal_code_not_found " +
                "(field code) for a code never issued or already used (a code withdraws once). " + ErasureText)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }

    public static async Task<Ok<ErasureResponse>> WithdrawSignedInAsync(ClaimsPrincipal principal, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var erasure = await grains.GetGrain<IUserGrain>(AccessTokens.UserIdOf(principal)).EraseResearchDataAsync(ErasureKinds.Account, cancellationToken);
        return TypedResults.Ok(new ErasureResponse(erasure.RowsErased, erasure.ErasedAt));
    }

    public static async Task<Ok<ErasureResponse>> WithdrawByCodeAsync(WithdrawalRequest request, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var erasure = await grains.GetGrain<IResearchWithdrawalGrain>(0).WithdrawAsync(request.Code!, cancellationToken);
        return TypedResults.Ok(new ErasureResponse(erasure.RowsErased, erasure.ErasedAt));
    }
}

/// <summary>A withdrawal by code; the grain checks its form (<c>invalid_withdrawal_code</c>).</summary>
public sealed record WithdrawalRequest([property: Required, StringLength(64)] string? Code);

/// <summary>What a withdrawal erased: rows deleted, and when (UTC).</summary>
public sealed record ErasureResponse(long RowsErased, DateTimeOffset ErasedAt);

/// <summary>One erasure in the ledger: no user, by design.</summary>
public sealed record ErasureLedgerResponse(long Id, DateTimeOffset ErasedAt, long RowsErased, string Kind);

public sealed record ErasureLedgerPageResponse(IReadOnlyList<ErasureLedgerResponse> Items, int Page, int PageSize, long Total);
