using Dilemma.Gateway.Accounts;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dilemma.Gateway.Research;

/// <summary><c>GET /research/statistics</c>: figures across every room or one study's, for researchers; <c>GET /research/studies</c>: the studies there are.</summary>
public static class ResearchStatisticsApi
{
    public static void MapResearchStatisticsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/research/statistics", GetAsync)
            .WithTags("Research")
            .RequireAuthorization(AccessTokens.ResearcherRole)
            .WithSummary("Across rooms: per topic, how often the group followed the majority; per role, how often its choice became the consensus")
            .WithDescription("Each figure is one query over the research tables. Individual choices of participants without data_consent are left out. followed_majority_rate is over rounds that had a majority (an option at least half-plus-one of the consenting participants chose). agreement_index: share of a role's choices that the consensus matched; mean_confidence_shift: consensus confidence minus individual confidence. A round in which a bot chose (a bot took the seat of someone who left) counts in rounds_completed and rounds_with_bots and in no other figure, since its majority and its group decision were not people's alone. "
                + $"Query: study (a study label, exact, 1-{SessionRules.StudyLabelMaxLength} characters): the figures of the rooms of the sessions given that label only, and the answer's study says which; "
                + "without it, every room (study null). A malformed study is 400 invalid_filter naming field study; a label no session has gives empty figures.");

        endpoints.MapGet("/research/studies", ListStudiesAsync)
            .WithTags("Research")
            .RequireAuthorization(AccessTokens.ResearcherRole)
            .WithSummary("The study labels sessions were given, with their sessions and rooms")
            .WithDescription($"items: each study label with sessions, rooms, finished_rooms, first_room_at and last_room_at (when its first and latest rooms were opened, UTC), "
                + $"the most recently played first, at most {StudyList.MaxItems}; total: how many study labels there are. Rooms opened by hand have no study and are not counted here. "
                + "A study's label is what GET /research/statistics?study= and the export's study filter take.");
    }

    public static async Task<Results<Ok<ResearchStatistics>, ProblemHttpResult>> GetAsync(IGrainFactory grains, CancellationToken cancellationToken, string? study = null)
    {
        if (ResearchApi.InvalidStudy(study) is { } invalid)
        {
            return invalid;
        }

        var statistics = grains.GetGrain<IResearchStatisticsGrain>(0);
        return TypedResults.Ok(study is null ? await statistics.GetAsync(cancellationToken) : await statistics.GetForStudyAsync(study, cancellationToken));
    }

    public static async Task<Ok<StudyList>> ListStudiesAsync(IGrainFactory grains, CancellationToken cancellationToken) =>
        TypedResults.Ok(await grains.GetGrain<IResearchStatisticsGrain>(0).ListStudiesAsync(cancellationToken));
}
