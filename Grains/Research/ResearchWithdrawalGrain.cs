using Dilemma.Grains.Accounts;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Research;
using Orleans.Concurrency;

namespace Dilemma.Grains.Research;

/// <summary>
/// Turns a withdrawal code into its user and hands the erasure to that user's grain, the one place a user's
/// research data is erased, so a code and a signed-in withdrawal follow the same rules.
/// </summary>
[StatelessWorker]
[Reentrant]
public sealed class ResearchWithdrawalGrain(IResearchEraser eraser) : Grain, IResearchWithdrawalGrain
{
    public async Task<ResearchErasure> WithdrawAsync(string code, CancellationToken cancellationToken)
    {
        var hash = WithdrawalCodes.Hash(code);
        var userId = await eraser.FindWithdrawalCodeAsync(hash, cancellationToken)
            ?? throw new RuleViolationException(RuleViolationKind.NotFound, "withdrawal_code_not_found", "No withdrawal was issued under this code, or it was used already.") { Field = "code" };

        // The erasure deletes every code of the user, this one included: a code withdraws once.
        return await GrainFactory.GetGrain<IUserGrain>(userId).EraseResearchDataAsync(ErasureKinds.WithdrawalCode, cancellationToken);
    }
}
