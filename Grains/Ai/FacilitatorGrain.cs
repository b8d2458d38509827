using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;
using Dilemma.Grains.Scenarios;
using Dilemma.Grains.Telemetry;
using Orleans.Concurrency;

namespace Dilemma.Grains.Ai;

/// <summary>
/// The AI endpoints' rules, in front of the configured <see cref="IFacilitator"/>. A stateless worker,
/// so every silo answers locally; reentrant, because it holds no state to protect and a model call
/// that takes seconds must not hold up the calls behind it (<c>Ai:MaxConcurrentCalls</c> bounds the
/// model calls instead). One activation per silo: Orleans routes a caller's cancellation to a
/// stateless worker's grain id, not to the activation running the call (dotnet/orleans#9877), so
/// with several activations a client that goes away would not stop the model call. It reads rooms
/// but never changes them, and rooms never call it: no call cycle can form. What it shows people is
/// recorded (<c>ai_interactions</c>) before it is returned, as every research row is written before its answer.
/// </summary>
[StatelessWorker(1)]
[Reentrant]
public sealed class FacilitatorGrain(IFacilitator facilitator, AiSettings settings, ScenarioBank bank, IResearchStore research, GameMetrics metrics, TimeProvider time)
    : Grain, IFacilitatorGrain
{
    public async Task<GeneratedScenario> GenerateScenarioAsync(ScenarioGenerationRequest request, CancellationToken cancellationToken)
    {
        var topic = string.IsNullOrWhiteSpace(request.Topic) ? null : request.Topic;
        if (topic is not null && !ScenarioFileReader.IsKey(topic))
        {
            throw RuleViolationException.Invalid("invalid_topic", "topic", $"A topic is 1 to {RoomRules.TopicMaxLength} characters of a-z, 0-9 and '-'.");
        }

        if (topic is not null && !settings.UsesOpenAi && bank.FindByTopic(topic) is null)
        {
            throw RuleViolationException.Invalid("unknown_topic", "topic", "With no LLM configured, scenarios are generated from the built-in bank's topics; GET /topics lists them.");
        }

        if (request.Guidance is { Length: > AiRules.GuidanceMaxLength })
        {
            throw RuleViolationException.Invalid("invalid_guidance", "guidance", $"guidance has at most {AiRules.GuidanceMaxLength} characters.");
        }

        var seed = request.Seed ?? Random.Shared.Next();
        var answer = await facilitator.GenerateScenarioAsync(new ScenarioBrief(topic, request.Guidance, seed, AiRules.PromptLanguage(request.Language)), cancellationToken);
        metrics.AiAnswered("scenario", answer.Ai);
        var generatedAt = time.GetUtcNow();

        // The provenance row first: once the grain holds the scenario a room can be played on it, and its export needs the row.
        await research.RecordGeneratedScenarioAsync(new GeneratedScenarioRow(answer.Value, answer.Ai, generatedAt.UtcDateTime, answer.RawAnswerSha256), cancellationToken);
        await GrainFactory.GetGrain<IGeneratedScenarioGrain>(answer.Value.Id)
            .SaveAsync(new GeneratedScenarioRecord(answer.Value, answer.Ai, request.RequestedBy, generatedAt), cancellationToken);
        return new GeneratedScenario(answer.Value, answer.Ai, seed);
    }

    public async Task<RoleQuestions> GetQuestionsAsync(string roomCode, long userId, string language, CancellationToken cancellationToken)
    {
        // Asked with no role, the room shows itself in full to its participants only.
        var view = await GrainFactory.GetGrain<IRoomGame>(roomCode).ViewAsync(RoomViewer.User(userId), cancellationToken);
        var details = view.Details ?? throw RuleViolationException.Forbidden("not_participant", "You are not a participant of this room.");
        var seat = details.Room.Participants.First(p => p.UserId == userId);
        if (seat.Presence == ParticipantPresence.Removed)
        {
            // Out of the game (removed, moved to another room, or a bot took the role): no role to ask for, and no research
            // row, nor model call, about rounds they take no part in.
            throw RuleViolationException.Forbidden("not_participant", "You are no longer playing in this room.");
        }

        switch (details.Room.Phase)
        {
            case RoomPhase.Waiting:
                throw RuleViolationException.Conflict("room_not_started", "Questions come with the rounds; the game has not started yet.");
            case RoomPhase.Finished:
                throw RuleViolationException.Conflict("room_finished", "The game is over; POST /rooms/{room_code}/ai/feedback reviews it.");
        }

        var roleId = seat.RoleId ?? throw RuleViolationException.Conflict("roles_not_assigned", "You have no role yet.");
        var round = details.Room.CurrentRound;
        var answer = await facilitator.AskAsync(new QuestionBrief(details.Scenario, round, roleId, AiRules.PromptLanguage(language)), cancellationToken);
        metrics.AiAnswered("questions", answer.Ai);
        await research.RecordAiInteractionAsync(
            AiInteractionRecord.From(details.Room.Code, userId, AiInteractionKind.Question, round, time.GetUtcNow().UtcDateTime, answer.Ai),
            cancellationToken);
        return new RoleQuestions(details.Room.Code, round, roleId, answer.Value, answer.Ai);
    }

    public async Task<GroupFeedback> GetFeedbackAsync(string roomCode, RoomViewer viewer, FeedbackRequest request, CancellationToken cancellationToken)
    {
        var transcript = string.IsNullOrWhiteSpace(request.Transcript) ? null : request.Transcript;
        if (transcript is not null && transcript.Length > settings.MaxTranscriptCharacters)
        {
            throw RuleViolationException.Invalid(
                "transcript_too_long",
                "transcript",
                $"transcript has {transcript.Length} characters; this server takes at most {settings.MaxTranscriptCharacters}.");
        }

        if (request.RoundNumber is < 1 or > RoomRules.Rounds)
        {
            throw RuleViolationException.Invalid("invalid_round", "round_number", $"round_number is from 1 to {RoomRules.Rounds}, or absent for the whole game.");
        }

        var room = GrainFactory.GetGrain<IRoomGame>(roomCode);
        var statistics = await room.GetStatisticsAsync(viewer, cancellationToken);
        if (request.RoundNumber is { } number && !statistics.Rounds[number - 1].Completed)
        {
            throw RuleViolationException.Conflict("round_not_completed", $"Round {number} has no consensus yet; feedback comes after it.");
        }

        if (!statistics.Rounds.Any(r => r.Completed))
        {
            throw RuleViolationException.Conflict("no_completed_rounds", "Feedback comes once the group has recorded a consensus.");
        }

        var details = await room.GetDetailsAsync(cancellationToken);
        var analysis = FeedbackRules.Analyse(statistics, details.Scenario, request.RoundNumber, transcript);
        var answer = await facilitator.GiveFeedbackAsync(
            new FeedbackBrief(details.Scenario, statistics, analysis, request.RoundNumber, transcript, AiRules.PromptLanguage(request.Language)),
            cancellationToken);
        metrics.AiAnswered("feedback", answer.Ai);

        // A participant reads their own feedback; anyone else allowed to ask (a facilitator, a researcher) shows it to the room.
        // A participant who withdrew their research data (their seat's nickname emptied) is not named: the row would be new data about them.
        long? shownTo = details.Room.Participants.Any(p => p.UserId == viewer.UserId && p.Nickname.Length > 0) ? viewer.UserId : null;
        await research.RecordAiInteractionAsync(
            AiInteractionRecord.From(details.Room.Code, shownTo, AiInteractionKind.Feedback, request.RoundNumber, time.GetUtcNow().UtcDateTime, answer.Ai),
            cancellationToken);
        return new GroupFeedback(details.Room.Code, request.RoundNumber, answer.Value.Summary, answer.Value.Points, analysis.Figures, answer.Ai);
    }
}
