using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Rooms;

/// <summary>The withdrawal code each person is shown at the end of the game, and what a withdrawal erases from the room's own state.</summary>
public sealed partial class RoomGrain
{
    public async Task<string> GetWithdrawalCodeAsync(long userId, CancellationToken cancellationToken)
    {
        EnsureCreated();
        var seat = Participant(userId);
        if (State.Phase != RoomPhase.Finished)
        {
            throw RuleViolationException.Conflict("room_not_finished", "A withdrawal code is given at the end of the game.");
        }

        if (seat.IsBot)
        {
            throw RuleViolationException.Conflict("bot_seat", "A bot's seat holds no person's data to withdraw.");
        }

        if (seat.WithdrawalCode is { } kept)
        {
            return kept;
        }

        // The hash is stored before the state that shows the code: a code shown always works. A state write that
        // fails leaves an unused hash behind, and the next ask makes another code.
        var code = WithdrawalCodes.New();
        if (!await research.RecordWithdrawalCodeAsync(State.Code, userId, WithdrawalCodes.Hash(code), Now, cancellationToken))
        {
            // The grain's state outlives the research rows: retention removed them, so there is nothing left to withdraw.
            throw RuleViolationException.Gone("research_data_removed", "This game's research data has been removed under the retention period; there is nothing left to withdraw.");
        }

        seat.WithdrawalCode = code;
        await SaveAsync(writeScenario: false, cancellationToken);
        return code;
    }

    public async Task ForgetWithdrawnAsync(long userId, CancellationToken cancellationToken)
    {
        if (!State.Created || State.Phase != RoomPhase.Finished || Find(userId) is not { } seat)
        {
            return;
        }

        seat.Nickname = string.Empty;
        foreach (var round in State.Rounds)
        {
            round.Choices.RemoveAll(c => c.UserId == userId);
            round.TimedOut.Remove(userId);
            round.Absent.Remove(userId);
            if (round.Consensus is { } consensus && consensus.SubmittedBy == userId)
            {
                // As in the research rows: the group's consensus stays, without whom it was submitted by (0: nobody).
                consensus.SubmittedBy = 0;
            }
        }

        State.Submissions.RemoveAll(s => s.Receipt?.UserId == userId);

        // Every kept answer is a snapshot listing the seats by nickname; a finished game takes no more commands to replay.
        State.Answers.Clear();
        await SaveAsync(writeScenario: false, cancellationToken);
    }
}
