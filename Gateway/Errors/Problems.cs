using Microsoft.AspNetCore.Mvc;

namespace Dilemma.Gateway.Errors;

/// <summary>RFC 9457 problem responses with the stable <c>code</c> extension every client can switch on.</summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    public static IResult Create(int status, string code, string detail, IDictionary<string, string[]>? errors = null, string? field = null)
    {
        var problem = Describe(status, code, detail);
        if (errors is not null)
        {
            problem.Extensions["errors"] = errors;
        }

        if (field is not null)
        {
            problem.Extensions["field"] = field;
        }

        return TypedResults.Problem(problem);
    }

    public static ProblemDetails Describe(int status, string code, string detail) => new()
    {
        Status = status,
        Title = TitleOf(status),
        Detail = detail,
        Type = $"https://httpstatuses.io/{status}",
        Extensions = { ["code"] = code },
    };

    /// <summary>The code used when a response has no more specific one (404 from routing, say).</summary>
    public static string DefaultCode(int status) => status switch
    {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        410 => "gone",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "invalid_field",
        429 => "rate_limited",
        503 => "unavailable",
        _ => status >= 500 ? "internal_error" : "error",
    };

    private static string TitleOf(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        409 => "Conflict",
        410 => "Gone",
        413 => "Payload too large",
        415 => "Unsupported media type",
        422 => "Unprocessable content",
        429 => "Too many requests",
        503 => "Service unavailable",
        _ => status >= 500 ? "Internal server error" : "Error",
    };
}
