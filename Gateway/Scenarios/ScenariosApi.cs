using System.ComponentModel;
using System.Text.RegularExpressions;
using Dilemma.Gateway.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Dilemma.Gateway.Scenarios;

/// <summary>
/// <c>GET /topics</c> and <c>GET /scenarios/{topic}</c>: the scenarios a room can be created on,
/// read from the catalog grain and rendered in the language the caller asked for.
/// </summary>
public static partial class ScenariosApi
{
    public const string Korean = "ko";
    public const string English = "en";
    public const string Both = "all";

    internal const string LanguageRule =
        "Language: `?lang=ko` or `?lang=en` renders every text field as a plain string in that language; `?lang=all` renders each " +
        "text field as an object `{\"ko\": …, \"en\": …}` instead. Without `lang`, the `Accept-Language` header decides (its " +
        "highest-weighted `ko…` or `en…` range); with neither, Korean. The answer's `lang` field and `Content-Language` header say " +
        "which was chosen. Any other `lang` value is 400 `invalid_lang`; an unusable header silently falls back to Korean.";

    private static readonly string[] Languages = [Korean, English, Both];

    internal const string LangParameter = "ko, en or all (both languages). Overrides Accept-Language; default ko.";

    public static void MapScenariosApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/topics", ListTopicsAsync).WithTags("Scenarios")
            .WithSummary("The topics that have a scenario")
            .WithDescription($"Each topic with its title, summary and scenario_id, ordered by topic. {LanguageRule}")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        endpoints.MapGet("/scenarios/{topic}", GetScenarioAsync).WithTags("Scenarios")
            .WithSummary("A topic's scenario: five rounds, each with its dilemma, options and every role's context and question")
            .WithDescription(
                "topic: 1-64 characters of a-z, 0-9 and '-' (else 400 invalid_topic); a topic without a scenario is 404 unknown_topic. " +
                "Each option carries `choice`, the value to submit as `choice` in round-choice and consensus-choice. `role_contexts` " +
                "holds roles 1 (caregiver), 2 (family_member) and 3 (ai_developer). `version` is a hash of the scenario's text: it " +
                $"changes whenever the text does. {LanguageRule}")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    public static async Task<Results<Ok<TopicsResponse<LocalizedText>>, Ok<TopicsResponse<string>>, ProblemHttpResult>> ListTopicsAsync(
        [Description(LangParameter)] string? lang, HttpContext context, IGrainFactory grains)
    {
        if (Negotiate(lang, context) is not { } language)
        {
            return InvalidLanguage();
        }

        var topics = await grains.GetGrain<IScenarioCatalogGrain>(0).ListTopicsAsync();
        return language == Both
            ? TypedResults.Ok(Render(topics, Both, text => text))
            : TypedResults.Ok(Render(topics, language, text => text.In(language)));
    }

    public static async Task<Results<Ok<ScenarioResponse<LocalizedText>>, Ok<ScenarioResponse<string>>, ProblemHttpResult>> GetScenarioAsync(
        string topic, [Description(LangParameter)] string? lang, HttpContext context, IGrainFactory grains)
    {
        if (!IsTopic(topic))
        {
            return (ProblemHttpResult)Problems.Create(StatusCodes.Status400BadRequest, "invalid_topic",
                $"A topic is 1 to {RoomRules.TopicMaxLength} characters of a-z, 0-9 and '-'; GET /topics lists them.", field: "topic");
        }

        if (Negotiate(lang, context) is not { } language)
        {
            return InvalidLanguage();
        }

        var scenario = await grains.GetGrain<IScenarioCatalogGrain>(0).GetByTopicAsync(topic);
        return language == Both
            ? TypedResults.Ok(Render(scenario, Both, text => text))
            : TypedResults.Ok(Render(scenario, language, text => text.In(language)));
    }

    /// <summary>Same rule as the bank's keys: the gateway checks shape, the catalog says whether it exists.</summary>
    public static bool IsTopic(string? topic) => topic is { Length: > 0 and <= RoomRules.TopicMaxLength } && TopicPattern().IsMatch(topic);

    [GeneratedRegex("^[a-z0-9-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex TopicPattern();

    /// <summary>The language to answer in (<c>ko</c>, <c>en</c> or <c>all</c>), or null when <c>lang</c> names none of them.</summary>
    internal static string? Negotiate(string? lang, HttpContext context)
    {
        var language = lang is null
            ? FromAcceptLanguage(context.Request)
            : Array.Find(Languages, known => known.Equals(lang, StringComparison.OrdinalIgnoreCase));

        if (language is not null)
        {
            // The same URL answers differently by header, so caches must key on it too.
            context.Response.Headers.Vary = HeaderNames.AcceptLanguage;
            context.Response.Headers.ContentLanguage = language == Both ? "ko, en" : language;
        }

        return language;
    }

    private static string FromAcceptLanguage(HttpRequest request)
    {
        // A header that does not parse yields no ranges, so a garbled one means Korean, not an error.
        var preferred = request.GetTypedHeaders().AcceptLanguage
            .Where(range => (range.Quality ?? 1) > 0)
            .OrderByDescending(range => range.Quality ?? 1)
            .Select(range => Supported(range.Value.Value))
            .FirstOrDefault(language => language is not null);
        return preferred ?? Korean;
    }

    private static string? Supported(string? range) =>
        range is null ? null
        : IsRange(range, Korean) ? Korean
        : IsRange(range, English) ? English
        : null;

    // "en" and "en-GB" are English; "eng" or "enx" are not.
    private static bool IsRange(string range, string language) =>
        range.StartsWith(language, StringComparison.OrdinalIgnoreCase) && (range.Length == language.Length || range[language.Length] == '-');

    internal static ProblemHttpResult InvalidLanguage() =>
        (ProblemHttpResult)Problems.Create(StatusCodes.Status400BadRequest, "invalid_lang", "lang must be ko, en or all.", field: "lang");

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
