using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// Round timers, set per room: seconds for the individual choices, then for the consensus (none by
/// default). The running deadline is in the room's state (<c>deadline_at</c> in every snapshot, on
/// the server's clock) and kept by an Orleans reminder, which the database holds in cluster mode:
/// a silo that dies does not lose it, and whichever silo activates the room next fires it. A
/// reminder may fire more than once; the state says whether its deadline is still due, so it acts once.
/// At the choice deadline, participants without a choice are <c>timed_out</c> (none is invented)
/// and the consensus opens with the choices present; at the consensus deadline the round is
/// <c>no_consensus</c> and the next one opens.
/// </summary>
public sealed partial class RoomGrain : IRemindable
{
    private const string DeadlineReminder = "round-deadline";

    // Orleans' shortest reminder period: a deadline whose handling failed is tried again this much later.
    private static readonly TimeSpan DeadlineRetry = TimeSpan.FromMinutes(1);

    // A reminder can come a little before its time (another silo's clock); the rest is waited on a timer.
    private IGrainTimer? _earlyDeadline;

    public const string ChoiceDeadline = "choice";
    public const string ConsensusDeadline = "consensus";

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != DeadlineReminder)
        {
            return;
        }

        if (!State.Created || State.ClosedAt is not null || State.DeadlineAt is null || State.Phase != RoomPhase.Started)
        {
            await ForgetDeadlineReminderAsync();
            return;
        }

        await OnDeadlineAsync(CancellationToken.None);
    }

    private static int? ValidTimer(int? seconds, string field) =>
        seconds is null or (>= RoomRules.MinTimerSeconds and <= RoomRules.MaxTimerSeconds)
            ? seconds
            : throw RuleViolationException.Invalid("invalid_timer", field, $"{field} is from {RoomRules.MinTimerSeconds} to {RoomRules.MaxTimerSeconds} seconds, or left out for no limit.");

    /// <summary>A round has just opened: its choice deadline runs, if the room has one.</summary>
    private void StartRoundClock(DateTime now)
    {
        State.DeadlineKind = null;
        State.DeadlineAt = null;
        if (State.Phase == RoomPhase.Started && State.ChoiceSeconds is { } seconds)
        {
            State.DeadlineKind = ChoiceDeadline;
            State.DeadlineAt = ClockStart(now).AddSeconds(seconds);
        }
        else
        {
            OpenConsensusClockIfDue(now);
        }
    }

    /// <summary>
    /// Once the consensus is open (every participant still in the game has chosen, or the choice
    /// deadline passed), the choice deadline gives way to the consensus deadline, if the room has
    /// one. True when the deadline changed (the state and the reminder must follow).
    /// </summary>
    private bool OpenConsensusClockIfDue(DateTime now)
    {
        if (State.Phase != RoomPhase.Started || State.DeadlineKind == ConsensusDeadline)
        {
            return false;
        }

        var round = State.Rounds[State.CurrentRound - 1];
        if ((!round.ChoicesClosed && !EveryoneHasChosen(round)) || (State.DeadlineKind is null && State.ConsensusSeconds is null))
        {
            return false;
        }

        State.DeadlineKind = State.ConsensusSeconds is null ? null : ConsensusDeadline;
        State.DeadlineAt = State.ConsensusSeconds is { } seconds ? ClockStart(now).AddSeconds(seconds) : null;
        return true;
    }

    /// <summary>
    /// Where a deadline opened now starts to count: in a paused room, at the start of the pause, since the end of the pause
    /// moves every deadline on by the whole pause (<see cref="FollowPause"/>); so it keeps its full time from the end.
    /// </summary>
    private DateTime ClockStart(DateTime now) => PauseBegan ?? now;

    private bool EveryoneHasChosen(RoundState round) =>
        State.Participants.Where(TakesPart).All(p => HasChosenIn(round, p));

    /// <summary>After the state holding a deadline is stored: the reminder follows it (or goes when there is none).</summary>
    private async Task KeepDeadlineReminderAsync()
    {
        if (State.ChoiceSeconds is null && State.ConsensusSeconds is null)
        {
            // Rooms without timers never touch the reminder table.
            return;
        }

        if (State.DeadlineAt is not { } at || State.Phase != RoomPhase.Started)
        {
            await ForgetDeadlineReminderAsync();
            return;
        }

        var due = at - time.GetUtcNow().UtcDateTime;
        await this.RegisterOrUpdateReminder(DeadlineReminder, due > TimeSpan.Zero ? due : TimeSpan.Zero, DeadlineRetry);
    }

    private async Task ForgetDeadlineReminderAsync()
    {
        if (await this.GetReminder(DeadlineReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private async Task OnDeadlineAsync(CancellationToken cancellationToken)
    {
        if (State.DeadlineAt is not { } at)
        {
            return;
        }

        var left = at - time.GetUtcNow().UtcDateTime;
        if (left > TimeSpan.Zero)
        {
            _earlyDeadline?.Dispose();
            _earlyDeadline = this.RegisterGrainTimer(OnDeadlineAsync, new GrainTimerCreationOptions(left, Timeout.InfiniteTimeSpan));
            return;
        }

        // A paused room waits for its participant; the reminder looks again a minute later.
        if (IsPaused)
        {
            return;
        }

        var now = Now;
        var round = State.Rounds[State.CurrentRound - 1];
        if (State.DeadlineKind == ChoiceDeadline)
        {
            foreach (var late in State.Participants.Where(p => TakesPart(p) && !HasChosenIn(round, p)))
            {
                await RecordEventAsync(RoomEventType.TimedOut, late.UserId, actorId: null, now, cancellationToken, round.RoundNumber);
                round.TimedOut.Add(late.UserId);
            }

            round.ChoicesClosed = true;
            State.DeadlineKind = null;
            State.DeadlineAt = null;
            OpenConsensusClockIfDue(now);
        }
        else
        {
            await RecordEventAsync(RoomEventType.NoConsensus, userId: null, actorId: null, now, cancellationToken, round.RoundNumber);
            await RecordAbsencesAsync(round, now, cancellationToken);
            round.NoConsensus = true;
            await CloseRoundAsync(round.RoundNumber, now, cancellationToken);
        }

        await SaveAsync(writeScenario: false, cancellationToken);
        await KeepDeadlineReminderAsync();
        CountPhase();
    }

    /// <summary>
    /// A deadline already past is applied before a choice or consensus is taken, not only when its reminder fires: after
    /// the room's silo is lost the reminder comes up to a minute late (Orleans' shortest period), and a submission in
    /// that minute must not count as if the round were still open.
    /// </summary>
    private async Task ApplyDeadlineIfOverdueAsync(CancellationToken cancellationToken)
    {
        if (State.Phase == RoomPhase.Started && State.DeadlineAt is { } at && at <= time.GetUtcNow().UtcDateTime && !IsPaused)
        {
            await OnDeadlineAsync(cancellationToken);
        }
    }

    /// <summary>The round is over (its consensus, or none by the deadline): the next opens, or the game finishes.</summary>
    private async Task CloseRoundAsync(int roundNumber, DateTime now, CancellationToken cancellationToken)
    {
        var finishes = roundNumber == RoomRules.Rounds;
        await research.RecordRoomProgressAsync(
            finishes
                ? Progress(State.HostUserId, RoomPhase.Finished, RoomRules.Rounds, State.StartedAt, now)
                : Progress(State.HostUserId, RoomPhase.Started, roundNumber + 1, State.StartedAt, null),
            cancellationToken);
        if (finishes)
        {
            State.Phase = RoomPhase.Finished;
            State.FinishedAt = now;
            StopPresenceTimers();
        }
        else
        {
            State.CurrentRound = roundNumber + 1;
        }

        StartRoundClock(now);
        await BotsChooseAsync(now, cancellationToken);
    }

    /// <summary>Individual choices end at the choice deadline.</summary>
    private static void EnsureChoicesOpen(RoundState round)
    {
        if (round.ChoicesClosed)
        {
            throw RuleViolationException.Conflict("choices_closed", $"The choice deadline of round {round.RoundNumber} has passed; the consensus is open.");
        }
    }
}
