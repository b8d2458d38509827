using Dilemma.Grains.Ai;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// Bot seats: a host may seat one or two bots before the start (a demonstration, practice, a class
/// not divisible by three), and under <c>on_dropout: bot</c> a bot takes a dropped seat. A bot is a
/// user row marked <c>is_bot</c>; it chooses as soon as a round opens, by the facilitator: the
/// seeded <see cref="OfflineBotRule"/> offline, or the model with a one-sentence reason shown to the
/// others (the rule again, noted with why, when the model fails). It never submits the consensus:
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

    /// <summary>Under <c>on_dropout: bot</c>, a bot takes the dropped participant's role and chooses in the open round.</summary>
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
    /// open round. The seat is given away as a mover's is (<c>participant_removed</c>, by <paramref name="actorId"/>; null:
    /// the room's policy): were its user to come back, two would play one role.
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
        await research.RecordRoomEventAsync(new RoomEventRecord(Code, RoomEventType.BotJoined, bot.UserId, State.CurrentRound, ActorId: null, IsBot: true, now), cancellationToken);
        await BotsChooseAsync(now, cancellationToken);
    }

    /// <summary>
    /// Records every seat's role: the store sets the room's roles as a whole (clearing those not named), so a seat
    /// added during the game is recorded together with the seats that have their roles already.
    /// </summary>
    private Task RecordSeatRolesAsync(CancellationToken cancellationToken) =>
        research.RecordRolesAsync(Code, State.Participants.Where(p => p.RoleId is not null).Select(p => (p.UserId, p.RoleId!.Value)).ToList(), cancellationToken);

    private async Task<ParticipantState> NewBotAsync(int? roleId, DateTime now, CancellationToken cancellationToken)
    {
        var nickname = $"Bot {State.Participants.Count(p => p.IsBot) + 1}";
        var userId = await GrainFactory.GetGrain<IAccountsGrain>(0).CreateBotAsync(nickname, cancellationToken);
        await research.RecordParticipantAsync(Code, userId, nickname, now, cancellationToken);
        return new ParticipantState { UserId = userId, Nickname = nickname, RoleId = roleId, JoinedAt = now, IsBot = true };
    }

    /// <summary>The bots still in the game choose in the open round, if they have not yet and choices are open.</summary>
    private async Task BotsChooseAsync(DateTime now, CancellationToken cancellationToken)
    {
        if (State.Phase != RoomPhase.Started)
        {
            return;
        }

        var round = State.Rounds[State.CurrentRound - 1];
        var options = Scenario.Rounds[round.RoundNumber - 1].Options.Count;
        foreach (var bot in State.Participants.Where(p => p.IsBot && TakesPart(p) && p.RoleId is not null && !round.Choices.Exists(c => c.UserId == p.UserId)))
        {
            if (round.ChoicesClosed)
            {
                return;
            }

            // The room waits for the model (at most Ai:TimeoutSeconds, then the rule answers): the
            // choice must be in the state before anyone can act on the round.
            var brief = new BotBrief(Code, Scenario, round.RoundNumber, bot.RoleId!.Value, AiRules.PromptLanguage(null));
            var answer = await facilitator.ChooseForBotAsync(brief, cancellationToken);
            metrics.AiAnswered("bot", answer.Ai);
            var (choice, confidence, reason) = answer.Value;
            await research.RecordChoiceAsync(
                new ChoiceRecord(Code, bot.UserId, round.RoundNumber, choice, confidence, Revision: 1, SubmissionId: null, now, IsBot: true, BotReason: reason),
                cancellationToken);
            await research.RecordAiInteractionAsync(AiInteractionRecord.From(Code, bot.UserId, AiInteractionKind.BotChoice, round.RoundNumber, now, answer.Ai), cancellationToken);
            ApplyChoice(round, bot.UserId, new ChoiceSubmission(round.RoundNumber, choice, confidence, null), 1, now);
            round.Choices.Find(c => c.UserId == bot.UserId)!.Bot = new BotChoiceNote { Provider = answer.Ai.Provider, Reason = reason, FallbackReason = answer.Ai.FallbackReason };
            metrics.ChoiceRecorded();
        }
    }
}
