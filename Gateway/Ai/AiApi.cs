using System.ComponentModel;
using System.Security.Claims;
using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Edge;
using Dilemma.Gateway.Errors;
using Dilemma.Gateway.Languages;
using Dilemma.Gateway.Rooms;
using Dilemma.Gateway.Scenarios;
using Dilemma.Gateway.Validation;
using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Dilemma.Gateway.Ai;

/// <summary>
/// The AI facilitator's endpoints: generated scenarios, role questions and group feedback. Each is
/// one call to <see cref="IFacilitatorGrain"/>, which decides the rules and which provider answers.
/// </summary>
public static class AiApi
{
    private const string AnswerLimit =
        "Questions and feedback together are limited per user (RateLimits:AiAnswersPerMinute) and per client address " +
        "(RateLimits:AiAnswersPerMinutePerAddress): 429 rate_limited with Retry-After.";

    private const string ProvenanceRule =
        "`ai` says who answered: `provider` is `openai` (the configured OpenAI-compatible model) or `offline` (the built-in bank, " +
        "curated templates and rules). When a model is configured but its answer was invalid twice, it timed out, failed, its circuit " +
        "is open or too many calls are in flight, the offline facilitator answers instead: `fell_back` is true and `fallback_reason` " +
        "is invalid_response, timeout, upstream_error, unreachable, circuit_open or busy. `prompt_version` names the prompt files (or offline templates) used.";

    /// <summary>The services the AI endpoints need at the edge: the per-user limit on scenario generation.</summary>
    public static IServiceCollection AddAiApi(this IServiceCollection services)
    {
        services.AddSingleton<AiScenarioBuckets>();
        services.AddSingleton<AiAnswerBuckets>();
        services.AddRateLimiter(options =>
        {
            options.AddPolicy<LimitedCaller, AiScenarioRateLimit>(AiScenarioRateLimit.PolicyName);
            options.AddPolicy<LimitedCaller, AiAnswerRateLimit>(AiAnswerRateLimit.PolicyName);
        });
        return services;
    }

    public static void MapAiApi(this IEndpointRouteBuilder endpoints)
    {
        var ai = endpoints.MapGroup("/ai").WithTags("AI").RequireAuthorization();
        ai.MapPost("/scenarios", GenerateScenarioAsync).Validates<GenerateScenarioRequest>()
            .RequireRateLimiting(AiScenarioRateLimit.PolicyName)
            .WithSummary("Generate a new scenario (LLM when configured, else a variation of a bank scenario) and save it for rooms")
            .WithDescription(
                "Body: `topic` (a topic key; with an LLM any key, offline one of GET /topics, else 422 unknown_topic; absent: the seed picks a bank topic), " +
                $"`guidance` (up to {AiRules.GuidanceMaxLength} characters of free text for the LLM; the offline facilitator ignores it), `seed` " +
                "(the offline variation — option order and role questions — is the same for the same seed; a random one is drawn and returned when absent). " +
                "201 with the saved scenario: create a room on it with `scenario_id` in POST /rooms/public or /rooms/private. Generated scenarios keep " +
                $"the bank's rules: 5 rounds, 2-4 options, roles 1-3, every text in Korean and English. Limited per user (RateLimits:AiScenariosPerMinute) and per client address, whoever is signed in (RateLimits:AiScenariosPerMinutePerAddress): 429 rate_limited. {ProvenanceRule} {RequestLanguage.Rule}")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        ai.MapGet("/scenarios/{scenario_id}", GetScenarioAsync)
            .WithSummary("A generated (or bank) scenario by its id")
            .WithDescription($"404 unknown_scenario when no scenario has that id. {RequestLanguage.Rule}")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        var rooms = endpoints.MapGroup("/rooms/{room_code}/ai").WithTags("AI").RequireAuthorization().ChecksRouteCodes();
        rooms.MapGet("/questions", QuestionsAsync).RequireRateLimiting(AiAnswerRateLimit.PolicyName)
            .WithSummary("Questions for the caller's role in the room's current round")
            .WithDescription(
                "Participants still in the game only (403 not_participant in a public waiting room, and to a seat removed, moved to another room or given to a bot; else 404 room_not_found as for an unknown code), while the game is played (409 room_not_started, room_finished). Offline: the scenario's " +
                $"own question to the role, a curated one for the topic's round and role, and one about an option seen from the role. {AnswerLimit} {ProvenanceRule} {RequestLanguage.Rule}")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        rooms.MapPost("/feedback", FeedbackAsync).RequireRateLimiting(AiAnswerRateLimit.PolicyName)
            .WithSummary("Feedback on the group's decisions after a round or at the end, optionally reading a transcript")
            .WithDescription(
                "Body (optional): `round_number` (1-5: that round, which must have its consensus, else 409 round_not_completed; absent: every completed round, " +
                "409 no_completed_rounds before the first), `transcript` (the discussion as text, up to Ai:MaxTranscriptCharacters characters, 8,000 by default, " +
                "else 422 transcript_too_long; lines written as `name: text` let the offline rules count turns). Participants and researchers; others " +
                "get 404 room_not_found (403 not_participant in a public waiting room). `figures` are " +
                "always computed by rules from the recorded choices: agreement (unanimous, majority, split), who moved toward the consensus, confidence " +
                $"shifts, whose own choice prevailed. {AnswerLimit} {ProvenanceRule} {RequestLanguage.Rule}")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }

    public static async Task<Results<Created<GeneratedScenarioResponse<LocalizedText>>, Created<GeneratedScenarioResponse<string>>, ProblemHttpResult>> GenerateScenarioAsync(
        GenerateScenarioRequest request,
        [Description(RequestLanguage.Parameter)] string? lang,
        HttpContext context,
        ClaimsPrincipal user,
        IGrainFactory grains,
        CancellationToken cancellationToken)
    {
        if (RequestLanguage.Negotiate(lang, context) is not { } language)
        {
            return RequestLanguage.Invalid();
        }

        var generated = await grains.GetGrain<IFacilitatorGrain>(0).GenerateScenarioAsync(
            new ScenarioGenerationRequest(request.Topic, request.Guidance, request.Seed, language.PromptLanguage, AccessTokens.UserIdOf(user)),
            cancellationToken);
        var location = $"/ai/scenarios/{generated.Scenario.Id}";
        return language.Created(location, generated, Render, Render);
    }

    public static async Task<Results<Ok<ScenariosApi.ScenarioResponse<LocalizedText>>, Ok<ScenariosApi.ScenarioResponse<string>>, ProblemHttpResult>> GetScenarioAsync(
        [FromRoute(Name = "scenario_id")] string scenarioId,
        [Description(RequestLanguage.Parameter)] string? lang,
        HttpContext context,
        IGrainFactory grains,
        CancellationToken cancellationToken)
    {
        if (!ScenariosApi.IsTopic(scenarioId))
        {
            return (ProblemHttpResult)Problems.Create(StatusCodes.Status400BadRequest, "invalid_scenario_id", $"A scenario id is 1 to {RoomRules.TopicMaxLength} characters of a-z, 0-9 and '-'.", field: "scenario_id");
        }

        if (RequestLanguage.Negotiate(lang, context) is not { } language)
        {
            return RequestLanguage.Invalid();
        }

        var scenario = await grains.GetGrain<IScenarioCatalogGrain>(0).GetByIdAsync(scenarioId, cancellationToken);
        return language.Ok(scenario, ScenariosApi.Render, ScenariosApi.Render);
    }

    public static async Task<Results<Ok<QuestionsResponse<LocalizedText>>, Ok<QuestionsResponse<string>>, ProblemHttpResult>> QuestionsAsync(
        [FromRoute(Name = "room_code")] string roomCode,
        [Description(RequestLanguage.Parameter)] string? lang,
        HttpContext context,
        ClaimsPrincipal user,
        IGrainFactory grains,
        CancellationToken cancellationToken)
    {
        if (RequestLanguage.Negotiate(lang, context) is not { } language)
        {
            return RequestLanguage.Invalid();
        }

        var questions = await grains.GetGrain<IFacilitatorGrain>(0).GetQuestionsAsync(roomCode, AccessTokens.UserIdOf(user), language.PromptLanguage, cancellationToken);
        return language.Ok(questions, Render, Render);
    }

    public static async Task<Results<Ok<FeedbackResponse<LocalizedText>>, Ok<FeedbackResponse<string>>, ProblemHttpResult>> FeedbackAsync(
        [FromRoute(Name = "room_code")] string roomCode,
        [Description(RequestLanguage.Parameter)] string? lang,
        HttpContext context,
        ClaimsPrincipal user,
        IGrainFactory grains,
        CancellationToken cancellationToken,
        [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] FeedbackRequestBody? body = null)
    {
        if (RequestLanguage.Negotiate(lang, context) is not { } language)
        {
            return RequestLanguage.Invalid();
        }

        var feedback = await grains.GetGrain<IFacilitatorGrain>(0).GetFeedbackAsync(
            roomCode,
            RoomViewers.Of(user),
            new FeedbackRequest(body?.RoundNumber, body?.Transcript, language.PromptLanguage),
            cancellationToken);
        return language.Ok(feedback, Render, Render);
    }

    private static AiProvenanceResponse Render(AiProvenance ai) => new(ai.Provider, ai.Model, ai.FellBack, ai.FallbackReason, ai.Attempts, ai.PromptVersion);

    private static GeneratedScenarioResponse<T> Render<T>(GeneratedScenario generated, string language, Func<LocalizedText, T> text) =>
        new(generated.Scenario.Id, generated.Seed, ScenariosApi.Render(generated.Scenario, language, text), Render(generated.Ai));

    private static QuestionsResponse<T> Render<T>(RoleQuestions questions, string language, Func<LocalizedText, T> text) =>
        new(questions.RoomCode, questions.RoundNumber, questions.RoleId, RoomRules.RoleName(questions.RoleId), language, questions.Questions.Select(text).ToList(), Render(questions.Ai));

    private static FeedbackResponse<T> Render<T>(GroupFeedback feedback, string language, Func<LocalizedText, T> text) =>
        new(
            feedback.RoomCode,
            feedback.RoundNumber,
            language,
            text(feedback.Summary),
            feedback.Points.Select(p => new FeedbackPointResponse<T>(p.Kind, text(p.Text))).ToList(),
            feedback.Figures,
            Render(feedback.Ai));
}
