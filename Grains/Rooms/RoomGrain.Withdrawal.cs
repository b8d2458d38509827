using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Rooms;

/// <summary>The withdrawal code each person is shown at the end of the game (only its hash is kept), and what a withdrawal erases from the room's own state.</summary>
public sealed partial class RoomGrain
{
    public async Task IssueWithdrawalCodeAsync(long userId, byte[] codeSha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(codeSha256);
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

        if (seat.WithdrawalCodeSha256 is { } issued && issued.AsSpan().SequenceEqual(codeSha256))
        {
            return;
        }

        // The hash is stored before the state that remembers it: a code shown always works. A state write that fails
        // leaves the hash recorded, and the next ask, deriving the same code, finds it there.
        if (!await research.RecordWithdrawalCodeAsync(State.Code, userId, codeSha256, Now, cancellationToken))
        {
            // The grain's state outlives the research rows: retention (or the person's own withdrawal) removed their seat's
            // rows, so a new code would withdraw nothing from this game and would link them to it again.
            throw RuleViolationException.Gone("research_data_removed", "Your research data from this game has been removed (withdrawn, or under the retention period); there is nothing left to withdraw.");
        }

        seat.WithdrawalCodeSha256 = codeSha256;
        await SaveAsync(writeScenario: false, cancellationToken);
    }

    /// <summary>
    /// States stored before codes were derived kept each code itself: whoever could read the grain storage could withdraw
    /// the seat. The code stays valid in the database; the room keeps nothing of it, and the next ask issues the derived one.
    /// </summary>
    private async Task DropStoredWithdrawalCodesAsync(CancellationToken cancellationToken)
    {
        var dropped = false;
        foreach (var seat in State.Participants.Where(p => p.WithdrawalCode is not null))
        {
            seat.WithdrawalCode = null;
            dropped = true;
        }

        if (dropped)
        {
            // Written straight away rather than with the next change: a finished room may never change again. Not
            // SaveAsync: nothing a client sees changed, so the room's version stays and nobody is sent an update.
            await room.WriteStateAsync(cancellationToken);
        }
    }

    /// <summary>
    /// A seat whose person withdrew their research data (<see cref="ForgetWithdrawnAsync"/> emptied its nickname; no other seat
    /// has an empty one, as nicknames and account names have 1-32 characters): nothing new may be recorded about them.
    /// </summary>
    private static bool IsForgotten(ParticipantState seat) => !seat.IsBot && seat.Nickname.Length == 0;

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
