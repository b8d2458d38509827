using System.ComponentModel;
using System.Text.RegularExpressions;
using Dilemma.Gateway.Errors;
using Dilemma.Gateway.Languages;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dilemma.Gateway.Scenarios;

/// <summary>
/// <c>GET /topics</c> and <c>GET /scenarios/{topic}</c>: the scenarios a room can be created on,
/// read from the catalog grain and rendered in the language the caller asked for.
/// </summary>
public static partial class ScenariosApi
{
    public static void MapScenariosApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/topics", ListTopicsAsync).WithTags("Scenarios")
            .WithSummary("The topics that have a scenario")
            .WithDescription($"Each topic with its title, summary and scenario_id, ordered by topic. {RequestLanguage.Rule}")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        endpoints.MapGet("/scenarios/{topic}", GetScenarioAsync).WithTags("Scenarios")
            .WithSummary("A topic's scenario: five rounds, each with its dilemma, options and every role's context and question")
            .WithDescription(
                "topic: 1-64 characters of a-z, 0-9 and '-' (else 400 invalid_topic); a topic without a scenario is 404 unknown_topic. " +
                "Each option carries `choice`, the value to submit as `choice` in round-choice and consensus-choice. `role_contexts` " +
                "holds roles 1 (caregiver), 2 (family_member) and 3 (ai_developer). `version` is a hash of the scenario's text: it " +
                $"changes whenever the text does. {RequestLanguage.Rule}")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    public static async Task<Results<Ok<TopicsResponse<LocalizedText>>, Ok<TopicsResponse<string>>, ProblemHttpResult>> ListTopicsAsync(
        [Description(RequestLanguage.Parameter)] string? lang, HttpContext context, IGrainFactory grains)
    {
        if (RequestLanguage.Negotiate(lang, context) is not { } language)
        {
            return RequestLanguage.Invalid();
        }

        var topics = await grains.GetGrain<IScenarioCatalogGrain>(0).ListTopicsAsync();
        return language.Ok(topics, Render, Render);
    }

    public static async Task<Results<Ok<ScenarioResponse<LocalizedText>>, Ok<ScenarioResponse<string>>, ProblemHttpResult>> GetScenarioAsync(
        string topic, [Description(RequestLanguage.Parameter)] string? lang, HttpContext context, IGrainFactory grains)
    {
        if (!IsTopic(topic))
        {
            return (ProblemHttpResult)Problems.Create(StatusCodes.Status400BadRequest, "invalid_topic",
                $"A topic is 1 to {RoomRules.TopicMaxLength} characters of a-z, 0-9 and '-'; GET /topics lists them.", field: "topic");
        }

        if (RequestLanguage.Negotiate(lang, context) is not { } language)
        {
            return RequestLanguage.Invalid();
        }

        var scenario = await grains.GetGrain<IScenarioCatalogGrain>(0).GetByTopicAsync(topic);
        return language.Ok(scenario, Render, Render);
    }

    /// <summary>Same rule as the bank's keys: the gateway checks shape, the catalog says whether it exists.</summary>
    public static bool IsTopic(string? topic) => topic is { Length: > 0 and <= RoomRules.TopicMaxLength } && TopicPattern().IsMatch(topic);

    [GeneratedRegex(@"^[a-z0-9-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex TopicPattern();

    private static TopicsResponse<T> Render<T>(IReadOnlyList<TopicSummary> topics, string language, Func<LocalizedText, T> text) => new(
        language,
        topics.Select(t => new TopicResponse<T>(t.Topic, t.ScenarioId, text(t.Title), text(t.Summary))).ToArray());

    internal static ScenarioResponse<T> Render<T>(Scenario scenario, string language, Func<LocalizedText, T> text) => new(
        scenario.Id,
        scenario.Topic,
        scenario.Version,
        scenario.Source,
        language,
        text(scenario.Title),
        text(scenario.Summary),
        scenario.Rounds.Select(round => new RoundResponse<T>(
            round.RoundNumber,
            text(round.Title),
            text(round.Dilemma),
            round.Options.Select((option, choice) => new OptionResponse<T>(choice, text(option))).ToArray(),
            round.RoleContexts.OrderBy(role => role.Key)
                .Select(role => new RoleContextResponse<T>(role.Key, RoomRules.RoleName(role.Key), text(role.Value.Context), text(role.Value.Question)))
                .ToArray()))
            .ToArray());

    // TText is string for one language and LocalizedText ({ko, en}) for both: one shape, two renderings.
    // OpenAPI keeps one 200 schema per status, the last one declared; the handlers declare the
    // single-language shape last because that is what a client gets unless it asks for both.

    public sealed record TopicsResponse<TText>(string Lang, IReadOnlyList<TopicResponse<TText>> Topics);

    public sealed record TopicResponse<TText>(string Topic, string ScenarioId, TText Title, TText Summary);

    public sealed record ScenarioResponse<TText>(
        string ScenarioId,
        string Topic,
        string Version,
        string Source,
        string Lang,
        TText Title,
        TText Summary,
        IReadOnlyList<RoundResponse<TText>> Rounds);

    public sealed record RoundResponse<TText>(
        int RoundNumber,
        TText Title,
        TText Dilemma,
        IReadOnlyList<OptionResponse<TText>> Options,
        IReadOnlyList<RoleContextResponse<TText>> RoleContexts);

    public sealed record OptionResponse<TText>(int Choice, TText Text);

    public sealed record RoleContextResponse<TText>(int RoleId, string Role, TText Context, TText Question);
}
