using System.ComponentModel;
using Dilemma.Gateway.Errors;
using Dilemma.Gateway.Languages;
using Dilemma.Grains.Interfaces.Consent;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dilemma.Gateway.Consent;

/// <summary>
/// <c>GET /consent</c> and <c>GET /consent/{version}</c>: the consent texts participants are asked to
/// agree to. They are files shipped with the build (<see cref="ConsentTexts"/>), the same on every
/// node, so the gateway reads them directly rather than asking a grain.
/// </summary>
public static class ConsentApi
{
    private const string LangParameter = "ko or en for one language; all, or none, for both.";

    private const string Shape =
        "Answer: `version`, `current` (whether it is the version to show now), `published` (every version, oldest first) and " +
        "`texts` by language (Markdown). `?lang=ko` or `?lang=en` keeps one language, `?lang=all` or none keeps both; another " +
        "value is 400 invalid_lang. Clients send `version` back as `consent_version` with the consents (POST /auth/guest, " +
        "POST /auth/register, PATCH /auth/me/consent).";

    public static void MapConsentApi(this IEndpointRouteBuilder endpoints)
    {
        var consent = endpoints.MapGroup("/consent").WithTags("Consent");
        consent.MapGet(string.Empty, GetCurrent)
            .WithSummary("The current consent text (data use and voice recording), in Korean and English")
            .WithDescription(Shape)
            .ProducesProblem(StatusCodes.Status400BadRequest);
        consent.MapGet("/{version}", GetVersion)
            .WithSummary("One published consent text version")
            .WithDescription($"{Shape} A version never published is 404 unknown_consent_version.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    public static Results<Ok<ConsentResponse>, ProblemHttpResult> GetCurrent([Description(LangParameter)] string? lang) =>
        Describe(ConsentTexts.Current, lang);

    public static Results<Ok<ConsentResponse>, ProblemHttpResult> GetVersion(string version, [Description(LangParameter)] string? lang) =>
        ConsentTexts.IsPublished(version)
            ? Describe(version, lang)
            : (ProblemHttpResult)Problems.Create(
                StatusCodes.Status404NotFound,
                "unknown_consent_version",
                $"No consent text has this version; published: {string.Join(", ", ConsentTexts.All)}.",
                field: "version");

    private static Results<Ok<ConsentResponse>, ProblemHttpResult> Describe(string version, string? lang)
    {
        // Unlike the scenarios, no lang means both: the consent is read before anyone has chosen a language.
        var language = RequestLanguage.Both;
        if (lang is not null && !RequestLanguage.TryParse(lang, out language))
        {
            return RequestLanguage.Invalid();
        }

        var texts = ConsentTexts.Find(version)!;
        return TypedResults.Ok(Response(version, language.TextLanguages.ToDictionary(l => l, l => texts[l], StringComparer.Ordinal)));
    }

    private static ConsentResponse Response(string version, IReadOnlyDictionary<string, string> texts) =>
        new(version, string.Equals(version, ConsentTexts.Current, StringComparison.Ordinal), ConsentTexts.All, texts);
}

/// <summary>A consent text version: its texts by language (Markdown), whether it is the current one, and every version published.</summary>
public sealed record ConsentResponse(string Version, bool Current, IReadOnlyList<string> Published, IReadOnlyDictionary<string, string> Texts);
