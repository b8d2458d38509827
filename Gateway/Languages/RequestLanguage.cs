using Dilemma.Gateway.Errors;
using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Interfaces.Scenarios;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Dilemma.Gateway.Languages;

/// <summary>
/// The language a request asked to be answered in: <c>ko</c>, <c>en</c>, or <c>all</c> (both, each text
/// as <c>{ko, en}</c>). The one home of <c>?lang=</c> parsing, <c>Accept-Language</c> negotiation,
/// <c>invalid_lang</c> and the "both languages or one" rendering fork.
/// </summary>
public readonly record struct RequestLanguage
{
    public static readonly RequestLanguage Korean = new("ko");
    public static readonly RequestLanguage English = new("en");
    public static readonly RequestLanguage Both = new("all");

    internal const string Rule =
        "Language: `?lang=ko` or `?lang=en` renders every text field as a plain string in that language; `?lang=all` renders each " +
        "text field as an object `{\"ko\": …, \"en\": …}` instead. Without `lang`, the `Accept-Language` header decides (its " +
        "highest-weighted `ko…` or `en…` range); with neither, Korean. The answer's `lang` field and `Content-Language` header say " +
        "which was chosen. Any other `lang` value is 400 `invalid_lang`; an unusable header silently falls back to Korean.";

    internal const string Parameter = "ko, en or all (both languages). Overrides Accept-Language; default ko.";

    private static readonly RequestLanguage[] Known = [Korean, English, Both];

    private RequestLanguage(string code) => Code = code;

    /// <summary>As the answers' <c>lang</c> field spells it.</summary>
    public string Code { get; }

    public bool IsBoth => Code == Both.Code;

    /// <summary>The languages the texts come in, for an answer keyed by language.</summary>
    public IReadOnlyList<string> TextLanguages => IsBoth ? [Korean.Code, English.Code] : [Code];

    /// <summary>
    /// The language the AI's prompts are written in: prompts exist in Korean and English, and "all" asks for both
    /// renderings of one answer, written from the Korean prompt.
    /// </summary>
    public string PromptLanguage => Code == English.Code ? AiRules.English : AiRules.Korean;

    /// <summary>A <c>lang</c> value (any case) that names one of the three, or false.</summary>
    public static bool TryParse(string? lang, out RequestLanguage language)
    {
        language = Array.Find(Known, known => known.Code.Equals(lang, StringComparison.OrdinalIgnoreCase));
        return language.Code is not null;
    }

    /// <summary>
    /// The language to answer in (<c>lang</c> first, else <c>Accept-Language</c>), or null when <c>lang</c> names
    /// none of them. Sets <c>Vary</c> and <c>Content-Language</c> on the response it chose for.
    /// </summary>
    public static RequestLanguage? Negotiate(string? lang, HttpContext context)
    {
        RequestLanguage language;
        if (lang is null)
        {
            language = FromAcceptLanguage(context.Request);
        }
        else if (!TryParse(lang, out language))
        {
            return null;
        }

        // The same URL answers differently by header, so caches must key on it too.
        context.Response.Headers.Vary = HeaderNames.AcceptLanguage;
        context.Response.Headers.ContentLanguage = string.Join(", ", language.TextLanguages);
        return language;
    }

    public static ProblemHttpResult Invalid() =>
        (ProblemHttpResult)Problems.Create(StatusCodes.Status400BadRequest, "invalid_lang", "lang must be ko, en or all.", field: "lang");

    /// <summary>One text as this language renders it: the chosen one's string (both: see <see cref="Ok{TSource,TBoth,TOne}"/>).</summary>
    public string Text(LocalizedText text) => text.In(Code);

    /// <summary>200 with <paramref name="source"/> rendered: every text as <c>{ko, en}</c> for both, else as the one language's string.</summary>
    public Results<Ok<TBoth>, Ok<TOne>, ProblemHttpResult> Ok<TSource, TBoth, TOne>(
        TSource source, Renderer<TSource, LocalizedText, TBoth> both, Renderer<TSource, string, TOne> one) =>
        IsBoth ? TypedResults.Ok(both(source, Code, text => text)) : TypedResults.Ok(one(source, Code, Text));

    /// <summary>201 at <paramref name="location"/>, rendered as <see cref="Ok{TSource,TBoth,TOne}"/> renders.</summary>
    public Results<Created<TBoth>, Created<TOne>, ProblemHttpResult> Created<TSource, TBoth, TOne>(
        string location, TSource source, Renderer<TSource, LocalizedText, TBoth> both, Renderer<TSource, string, TOne> one) =>
        IsBoth ? TypedResults.Created(location, both(source, Code, text => text)) : TypedResults.Created(location, one(source, Code, Text));

    public override string ToString() => Code;

    private static RequestLanguage FromAcceptLanguage(HttpRequest request)
    {
        // A header that does not parse yields no ranges, so a garbled one means Korean, not an error.
        var preferred = request.GetTypedHeaders().AcceptLanguage
            .Where(range => (range.Quality ?? 1) > 0)
            .OrderByDescending(range => range.Quality ?? 1)
            .Select(range => Supported(range.Value.Value))
            .FirstOrDefault(language => language is not null);
        return preferred ?? Korean;
    }

    private static RequestLanguage? Supported(string? range) =>
        range is null ? null
        : IsRange(range, Korean.Code) ? Korean
        : IsRange(range, English.Code) ? English
        : null;

    // "en" and "en-GB" are English; "eng" or "enx" are not.
    private static bool IsRange(string range, string language) =>
        range.StartsWith(language, StringComparison.OrdinalIgnoreCase) && (range.Length == language.Length || range[language.Length] == '-');
}

/// <summary>Renders a source's texts with <c>text</c> (to <typeparamref name="TText"/>), its <c>lang</c> field set to <c>lang</c>.</summary>
public delegate TResult Renderer<in TSource, TText, out TResult>(TSource source, string lang, Func<LocalizedText, TText> text);
