using Dilemma.Grains.Ai;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;
using Microsoft.Extensions.Logging;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// Bot seats: a host may seat one or two bots before the start (a demonstration, practice, a class
/// not divisible by three), and under <c>on_dropout: bot</c> a bot takes a dropped seat. A bot is a
/// user row marked <c>is_bot</c>; it chooses as soon as a round opens, by the facilitator: the
/// seeded <see cref="OfflineBotRule"/> offline, or the model with a one-sentence reason shown to the
/// others (the rule again, noted with why, when the model fails). A model slower than a second does
/// not hold the room: its answer is taken when it comes, and the consensus waits for it. It never submits the consensus:
/// the host does. Every row it produces is marked as a bot's.
/// </summary>
public sealed partial class RoomGrain
{
    public const int MaxBots = 2;

    public async Task<RoomSnapshot> AddBotsAsync(long callerId, int count, CancellationToken cancellationToken)
    {
        EnsureCreated();
        EnsureHost(callerId);
        EnsurePhase(RoomPhase.Waiting);
        if (count is < 1 or > MaxBots)
        {
            throw RuleViolationException.Invalid("invalid_bots", "bots", $"bots is 1 or {MaxBots}.");
        }

        var free = RoomRules.Capacity - State.Participants.Count;
        if (count > free)
        {
            throw RuleViolationException.Conflict("room_full", $"The room has {free} free seat(s), not {count}.");
        }

        var now = Now;
        for (var i = 0; i < count; i++)
        {
            var bot = await NewBotAsync(roleId: null, now, cancellationToken);
            State.Participants.Add(bot);
        }

        await SaveAsync(writeScenario: false, cancellationToken);
        return Snapshot();
    }

    /// <summary>
    /// Under <c>on_dropout: bot</c>, a bot takes the dropped participant's role and chooses in the open round, unless the
    /// participant had chosen in it already (<see cref="HasChosenIn"/>).
    /// </summary>
    private async Task SeatBotForAsync(ParticipantState dropped, DateTime now, CancellationToken cancellationToken)
    {
        if (State.OnDropout != DropoutPolicy.Bot || State.Phase != RoomPhase.Started || dropped.RoleId is null)
        {
            return;
        }

        await SeatBotInRoleAsync(dropped, actorId: null, now, cancellationToken);
    }

    /// <summary>
    /// A bot takes the role of <paramref name="replaced"/> in the started game (room_events bot_joined) and chooses in the
    /// open round if <paramref name="replaced"/> had not. The seat is given away as a mover's is (<c>participant_removed</c>,
    /// by <paramref name="actorId"/>; null: the room's policy): were its user to come back, two would play one role.
    /// </summary>
    private async Task SeatBotInRoleAsync(ParticipantState replaced, long? actorId, DateTime now, CancellationToken cancellationToken)
    {
        if (!replaced.Removed)
        {
            await RecordEventAsync(RoomEventType.Removed, replaced.UserId, actorId, now, cancellationToken);
            replaced.Removed = true;
            replaced.DroppedAt ??= now;
        }

        var bot = await NewBotAsync(replaced.RoleId!.Value, now, cancellationToken);
        State.Participants.Add(bot);
        await RecordSeatRolesAsync(cancellationToken);

        // Once per seat (RoomEventType.HappensOnce): a seating run again with the bot it recorded keeps its first bot_joined.
        await research.RecordRoomEventAsync(new RoomEventRecord(Code, RoomEventType.BotJoined, bot.UserId, State.CurrentRound, ActorId: null, IsBot: true, now), cancellationToken);

        await BotsChooseAsync(now, cancellationToken);
    }

    /// <summary>
    /// Records every seat's role: the store sets the room's roles as a whole (clearing those not named), so a seat
    /// added during the game is recorded together with the seats that have their roles already.
    /// </summary>
    private Task RecordSeatRolesAsync(CancellationToken cancellationToken) =>
        research.RecordRolesAsync(Code, State.Participants.Where(p => p.RoleId is not null).Select(p => (p.UserId, p.RoleId!.Value)).ToList(), cancellationToken);

    /// <summary>
    /// A bot for a new seat, its participant row recorded. A seating whose room write failed left its bot in the research
    /// rows (seat, role, choice) but not in the room's state, and runs again: the call retried, the drop of a grace re-armed
    /// at the next activation. It takes that bot rather than create a second, which the export would show beside the first
    /// in the same role, the first with a choice the room never had.
    /// </summary>
    private async Task<ParticipantState> NewBotAsync(int? roleId, DateTime now, CancellationToken cancellationToken)
    {
        ParticipantState bot;
        var stray = StrayBot(await research.ReadBotsAsync(Code, cancellationToken), roleId);
        if (stray is not null)
        {
            bot = new ParticipantState { UserId = stray.UserId, Nickname = stray.Nickname, RoleId = roleId, JoinedAt = stray.JoinedAt, IsBot = true };
        }
        else
        {
            var nickname = $"Bot {State.Participants.Count(p => p.IsBot) + 1}";
            var userId = await GrainFactory.GetGrain<IAccountsGrain>(0).CreateBotAsync(nickname, cancellationToken);
            bot = new ParticipantState { UserId = userId, Nickname = nickname, RoleId = roleId, JoinedAt = now, IsBot = true };
        }

        await research.RecordParticipantAsync(Code, bot.UserId, bot.Nickname, bot.JoinedAt, cancellationToken);
        return bot;
    }

    /// <summary>
    /// A recorded bot this room does not hold, fit for a seat in <paramref name="roleId"/>: one recorded in that role, else one
    /// recorded with none (its seating failed before the roles were written). Before the start (no role), any: roles are
    /// dealt later, and recording its seat again clears the one it had.
    /// </summary>
    private RecordedBot? StrayBot(IReadOnlyList<RecordedBot> recorded, int? roleId)
    {
        var strays = recorded.Where(b => Find(b.UserId) is null).ToList();
        return roleId is null
            ? strays.FirstOrDefault()
            : strays.Find(b => b.RoleId == roleId) ?? strays.Find(b => b.RoleId is null);
    }

    /// <summary>
    /// How long a turn waits for the model's answers before it lets the room go on and takes them when they come: well
    /// inside a cluster gateway's response timeout (8 s), so the calls queued behind the turn do not fail while a model
    /// thinks (up to Ai:TimeoutSeconds). The rule, offline, answers at once.
    /// </summary>
    private static readonly TimeSpan BotAnswerWait = TimeSpan.FromSeconds(1);

    /// <summary>Answers that came after the turn that asked for them, by round and bot, until the catch-up turn takes them.</summary>
    private readonly Dictionary<(int Round, long BotId), FacilitatorAnswer<BotChoice>> _lateBotAnswers = [];

    /// <summary>The bots whose answer for a round is still coming: no other turn asks for it again.</summary>
    private readonly HashSet<(int Round, long BotId)> _botAnswersDue = [];

    private IGrainTimer? _botCatchUp;

    /// <summary>
    /// The bots still in the game choose in the open round, if they have not yet and choices are open. All are asked at
    /// once; what has not come within <see cref="BotAnswerWait"/> is taken by a later turn of its own.
    /// </summary>
    private async Task BotsChooseAsync(DateTime now, CancellationToken cancellationToken)
    {
        if (State.Phase != RoomPhase.Started)
        {
            return;
        }

        var round = State.Rounds[State.CurrentRound - 1];
        if (round.ChoicesClosed)
        {
            return;
        }

        // The asks outlive this call when the model is slow: the provider's own timeout bounds them, not the caller's.
        var asks = BotsStillToChoose(round)
            .Where(p => !_botAnswersDue.Contains((round.RoundNumber, p.UserId)) && !_lateBotAnswers.ContainsKey((round.RoundNumber, p.UserId)))
            .Select(bot => (Bot: bot, Answer: facilitator.ChooseForBotAsync(
                new BotBrief(Code, Scenario, round.RoundNumber, bot.RoleId!.Value, AiRules.PromptLanguage(null)),
                CancellationToken.None)))
            .ToList();
        if (asks.Count == 0)
        {
            return;
        }

        if (!asks.TrueForAll(a => a.Answer.IsCompleted))
        {
            await Task.WhenAny(Task.WhenAll(asks.Select(a => a.Answer)), Task.Delay(BotAnswerWait, time, CancellationToken.None));
        }

        foreach (var (bot, answer) in asks)
        {
            if (answer.IsCompleted)
            {
                await RecordBotChoiceAsync(round, bot.UserId, await answer, now, cancellationToken);
            }
            else
            {
                _botAnswersDue.Add((round.RoundNumber, bot.UserId));
                _ = TakeLateAnswerAsync(round.RoundNumber, bot.UserId, answer);
            }
        }
    }

    private async Task RecordBotChoiceAsync(RoundState round, long botId, FacilitatorAnswer<BotChoice> answer, DateTime now, CancellationToken cancellationToken)
    {
        metrics.AiAnswered("bot", answer.Ai);
        var (choice, confidence, reason) = answer.Value;
        await research.RecordChoiceAsync(
            new ChoiceRecord(Code, botId, round.RoundNumber, choice, confidence, Revision: 1, SubmissionId: null, now, IsBot: true, BotReason: reason),
            cancellationToken);
        await research.RecordAiInteractionAsync(AiInteractionRecord.From(Code, botId, AiInteractionKind.BotChoice, round.RoundNumber, now, answer.Ai), cancellationToken);
        ApplyChoice(round, botId, new ChoiceSubmission(round.RoundNumber, choice, confidence, null), 1, now);
        round.Choices.Find(c => c.UserId == botId)!.Bot = new BotChoiceNote { Provider = answer.Ai.Provider, Reason = reason, FallbackReason = answer.Ai.FallbackReason };
        metrics.ChoiceRecorded();
    }

    /// <summary>
    /// Runs outside any turn, on this activation's scheduler (the continuation of an await begun in a turn), so it only
    /// keeps the answer and arms the turn that applies it. Should this activation end first, the next one asks again.
    /// </summary>
    private async Task TakeLateAnswerAsync(int roundNumber, long botId, Task<FacilitatorAnswer<BotChoice>> asking)
    {
        try
        {
            _lateBotAnswers[(roundNumber, botId)] = await asking;
        }
        catch (Exception e)
        {
            // The facilitator falls back to the rule rather than fail; should it fail anyway, the catch-up asks again.
            LogLateBotAnswerFailed(logger, e, Code, roundNumber);
        }
        finally
        {
            _botAnswersDue.Remove((roundNumber, botId));
            ArmBotCatchUp();
        }
    }

    /// <summary>A bot of the open round without a choice and no answer coming: a new activation (the last one ended while a model thought) asks again.</summary>
    private bool BotChoiceMissing()
    {
        if (State.Phase != RoomPhase.Started)
        {
            return false;
        }

        var round = State.Rounds[State.CurrentRound - 1];
        return !round.ChoicesClosed && BotsStillToChoose(round).Any();
    }

    /// <summary>The bots still in the game, with a role, that owe a choice in this round.</summary>
    private IEnumerable<ParticipantState> BotsStillToChoose(RoundState round) =>
        State.Participants.Where(p => p.IsBot && TakesPart(p) && p.RoleId is not null && !HasChosenIn(round, p));

    /// <summary>
    /// Whether <paramref name="seat"/> owes no choice in <paramref name="round"/>: it chose, or it is a bot whose role was
    /// chosen in the round by the seat it took over. A bot seated after its player had chosen chose as well: two choices for
    /// one role in one round, both counted in the room's statistics and both rows in the export. One role, one choice.
    /// </summary>
    private bool HasChosenIn(RoundState round, ParticipantState seat) =>
        round.Choices.Exists(c => c.UserId == seat.UserId)
        || (seat.IsBot && seat.RoleId is { } role
            && State.Participants.Exists(p => p.RoleId == role && !TakesPart(p) && round.Choices.Exists(c => c.UserId == p.UserId)));

    /// <summary>Who owes no choice in the round (<see cref="HasChosenIn"/>): the seats that chose, then the bots whose role was chosen for them.</summary>
    private List<long> ChosenIn(RoundState round) =>
        [.. round.Choices.Select(c => c.UserId),
            .. State.Participants.Where(p => p.IsBot && !round.Choices.Exists(c => c.UserId == p.UserId) && HasChosenIn(round, p)).Select(p => p.UserId)];

    /// <summary>
    /// A turn of its own, soon, that takes the late answers and asks for any bot choice still missing. One timer, moved
    /// rather than replaced: disposing it would cancel a catch-up running now, half-way through its writes, while a
    /// second answer arrives during one of them; a moved timer fires again once the running tick is done.
    /// </summary>
    private void ArmBotCatchUp()
    {
        if (_botCatchUp is null)
        {
            _botCatchUp = this.RegisterGrainTimer(CatchUpBotsAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
        else
        {
            _botCatchUp.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task CatchUpBotsAsync(CancellationToken cancellationToken)
    {
        // As a person's choice: a deadline past is applied first, and nothing is chosen while the room is paused (the
        // answers wait for the end of the pause, which arms this again).
        await ApplyDeadlineIfOverdueAsync(cancellationToken);
        if (State.Phase != RoomPhase.Started)
        {
            _lateBotAnswers.Clear();
            return;
        }

        if (IsPaused)
        {
            return;
        }

        var late = _lateBotAnswers.ToList();
        _lateBotAnswers.Clear();

        var round = State.Rounds[State.CurrentRound - 1];
        var now = Now;
        var before = round.Choices.Count;
        foreach (var ((roundNumber, botId), answer) in late)
        {
            // Taken only into the round it was asked for, while choices are open there and the bot still plays.
            if (roundNumber == round.RoundNumber && !round.ChoicesClosed && BotsStillToChoose(round).Any(b => b.UserId == botId))
            {
                await RecordBotChoiceAsync(round, botId, answer, now, cancellationToken);
            }
        }

        await BotsChooseAsync(now, cancellationToken);
        if (round.Choices.Count == before)
        {
            return;
        }

        var deadlineMoved = OpenConsensusClockIfDue(now);
        await SaveAsync(writeScenario: false, cancellationToken);
        if (deadlineMoved)
        {
            await KeepDeadlineReminderAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A bot's late answer in room {RoomCode}, round {RoundNumber}, failed; the room asks again")]
    private static partial void LogLateBotAnswerFailed(ILogger logger, Exception exception, string roomCode, int roundNumber);
}
