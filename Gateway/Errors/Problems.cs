using Dilemma.Grains.Interfaces.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

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

    /// <summary>
    /// A rule violation as its problem: the same body whether a grain threw it (through
    /// <see cref="ProblemExceptionHandler"/>) or the gateway found it and returns it.
    /// </summary>
    public static ProblemDetails Describe(RuleViolationException rule)
    {
        var problem = Describe(StatusOf(rule.Kind), rule.Code, rule.Message);
        if (rule.Field is not null)
        {
            problem.Extensions["field"] = rule.Field;
            problem.Extensions["errors"] = new Dictionary<string, string[]> { [rule.Field] = [rule.Message] };
        }

        return problem;
    }

    /// <summary>A rule violation the endpoint detected itself, to return rather than throw.</summary>
    public static ProblemHttpResult Of(RuleViolationException rule) => TypedResults.Problem(Describe(rule));

    public static int StatusOf(RuleViolationKind kind) => kind switch
    {
        RuleViolationKind.NotFound => StatusCodes.Status404NotFound,
        RuleViolationKind.Forbidden => StatusCodes.Status403Forbidden,
        RuleViolationKind.Unauthorized => StatusCodes.Status401Unauthorized,
        RuleViolationKind.Invalid => StatusCodes.Status422UnprocessableEntity,
        RuleViolationKind.Busy => StatusCodes.Status503ServiceUnavailable,
        RuleViolationKind.Malformed => StatusCodes.Status400BadRequest,
        RuleViolationKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
        RuleViolationKind.Gone => StatusCodes.Status410Gone,
        _ => StatusCodes.Status409Conflict,
    };

    /// <summary>
    /// The framework's own answers (no route, a method the route does not take, a body that is not JSON, a body that never
    /// came) carry no detail; the client is told what was wrong, and where the API's paths are listed.
    /// </summary>
    public static void ExplainFrameworkAnswer(ProblemDetails problem, int status, HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(request);
        if (problem.Detail is not null)
        {
            return;
        }

        var path = request.Path.Value is { Length: > 200 } tooLong ? tooLong[..200] + "…" : request.Path.Value;
        (problem.Detail, var field) = status switch
        {
            StatusCodes.Status404NotFound => ($"Nothing is served at {path}; the API's paths are listed in /openapi/v1.json.", null),
            StatusCodes.Status405MethodNotAllowed => ($"{path} does not take {request.Method}; the Allow header and /openapi/v1.json list what it takes.", null),
            StatusCodes.Status415UnsupportedMediaType => ("The body must be JSON, sent with Content-Type: application/json.", HeaderNames.ContentType),
            StatusCodes.Status408RequestTimeout => ("The request's body did not arrive in time.", null),
            _ => (null, (string?)null),
        };
        if (field is not null)
        {
            problem.Extensions.TryAdd("field", field);
        }
    }

    /// <summary>The code used when a response has no more specific one (404 from routing, say).</summary>
    public static string DefaultCode(int status) => status switch
    {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
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
