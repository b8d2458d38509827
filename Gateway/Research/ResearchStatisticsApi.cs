using Dilemma.Gateway.Accounts;
using Dilemma.Grains.Interfaces.Research;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dilemma.Gateway.Research;

/// <summary><c>GET /research/statistics</c>: figures across every room, for researchers.</summary>
public static class ResearchStatisticsApi
{
    public static void MapResearchStatisticsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/research/statistics", GetAsync)
            .WithTags("Research")
            .RequireAuthorization(AccessTokens.ResearcherRole)
            .WithSummary("Across rooms: per topic, how often the group followed the majority; per role, how often its choice became the consensus")
            .WithDescription("Each figure is one query over the research tables. Individual choices of participants without data_consent are left out. followed_majority_rate is over rounds that had a majority (an option at least half-plus-one of the consenting participants chose). agreement_index: share of a role's choices that the consensus matched; mean_confidence_shift: consensus confidence minus individual confidence. A round in which a bot chose (a bot took the seat of someone who left) counts in rounds_completed and rounds_with_bots and in no other figure, since its majority and its group decision were not people's alone.");
    }

    public static async Task<Ok<ResearchStatistics>> GetAsync(IGrainFactory grains, CancellationToken cancellationToken) =>
        TypedResults.Ok(await grains.GetGrain<IResearchStatisticsGrain>(0).GetAsync(cancellationToken));
}
