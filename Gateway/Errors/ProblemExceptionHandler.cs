using System.Text.Json;
using System.Text.RegularExpressions;
using Dilemma.Grains.Interfaces.Errors;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Orleans.Runtime.Messaging;

namespace Dilemma.Gateway.Errors;

/// <summary>
/// The one place exceptions become HTTP answers: rule violations from grains by their kind,
/// unreadable requests as 400/413, an unreachable or overloaded cluster or an unreachable database as 503, a database error as a 500 that names
/// only that, and anything else as a 500 that says nothing about the inside.
/// </summary>
public sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public const string OutcomeUnknown = "outcome_unknown";

    public const string ClusterUnavailable = "cluster_unavailable";

    public const string ClusterUnavailableDetail = "The game servers could not be reached or turned the request away before running it; try again.";

    public const string ClusterBusyDetail =
        "The game servers are too busy to take this request and turned it away before running it; it changed nothing, so try again shortly.";

    public const string OutcomeUnknownDetail =
        "The game servers did not answer in time, so whether the request took effect is unknown. It is safe to retry: " +
        "send the very same request again with the same Idempotency-Key header (or, for choices, the same submission_id), " +
        "and you get the first answer if it took effect, without a second effect.";

    public const string StorageUnavailable = "storage_unavailable";

    public const string StorageUnavailableDetail = "The database could not be reached, and this request changes nothing; try again shortly.";

    public const string StorageFailed = "storage_error";

    public const string StorageFailedDetail =
        "The database refused part of this request; it has been logged. If the request changes something, whether it took effect " +
        "is unknown: sending the very same request again with the same Idempotency-Key header (or, for choices, the same " +
        "submission_id) is safe.";

    public const string StorageOutcomeUnknownDetail =
        "The database could not be reached while the request ran, so whether it took effect is unknown. It is safe to retry: " +
        "send the very same request again with the same Idempotency-Key header (or, for choices, the same submission_id), " +
        "and you get the first answer if it took effect, without a second effect.";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // A grain whose state could not be read as it activated fails before any call filter runs, so the silo's storage
        // error comes inside Orleans' own: the database's answer is the inner one.
        var cause = exception is OrleansException { InnerException: (StorageUnavailableException or StorageFailedException) and var inner } ? inner : exception;
        var problem = cause switch
        {
            RuleViolationException rule => Problems.Describe(rule),
            BadHttpRequestException bad => FromBadRequest(bad),
            // The call may have reached a grain and committed before its answer was lost (a response
            // timeout, a silo that died holding the grain): the client cannot tell, so it is told so.
            TimeoutException or SiloUnavailableException =>
                Problems.Describe(StatusCodes.Status503ServiceUnavailable, OutcomeUnknown, OutcomeUnknownDetail),
            // Neither ran. The connection error is Orleans' own when no silo took the connection, so the request was never
            // sent: a silo restarting on its address refuses it until it is up, and the client hands that error over as is.
            OrleansMessageRejectionException or ConnectionFailedException =>
                Problems.Describe(StatusCodes.Status503ServiceUnavailable, ClusterUnavailable, ClusterUnavailableDetail),
            // Nor did this: a silo's gateway shedding load (LoadShedding:LoadSheddingEnabled, over a threshold) rejects each
            // message as it arrives, before it is routed to any grain, and the client throws this in place of the rejection.
            GatewayTooBusyException =>
                Problems.Describe(StatusCodes.Status503ServiceUnavailable, ClusterUnavailable, ClusterBusyDetail),
            StorageUnavailableException => FromUnreachableDatabase(httpContext.Request.Method),
            StorageFailedException => Problems.Describe(StatusCodes.Status500InternalServerError, StorageFailed, StorageFailedDetail),
            _ => null,
        };

        problem ??= Problems.Describe(StatusCodes.Status500InternalServerError, "internal_error", "Something went wrong on our side; it has been logged.");
        if (problem.Status is StatusCodes.Status500InternalServerError)
        {
            // Ours to look into, a database error too (the client is only told it was one).
            LogUnexpected(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        }

        if (problem.Status is StatusCodes.Status503ServiceUnavailable)
        {
            // The client is told only which kind of unavailable; the why (the database's own error, the call that timed out)
            // is the operator's, and nothing else records it: the silo hands the error over without logging it.
            LogUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path, (string?)problem.Extensions["code"], cause.Message);
            httpContext.Response.Headers.RetryAfter = "1";
        }
        else if (exception is RuleViolationException { RetryAfterSeconds: { } retryAfter })
        {
            httpContext.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>
    /// A read wrote nothing, so plain retrying is all there is to it. A write may have committed part or all of
    /// its work before the connection went (a call can write more than once, and a commit whose answer was lost
    /// cannot be told from one that never ran): it is the same "outcome unknown" as a lost grain answer, and the
    /// same idempotent retry resolves it.
    /// </summary>
    private static ProblemDetails FromUnreachableDatabase(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method)
            ? Problems.Describe(StatusCodes.Status503ServiceUnavailable, StorageUnavailable, StorageUnavailableDetail)
            : Problems.Describe(StatusCodes.Status503ServiceUnavailable, OutcomeUnknown, StorageOutcomeUnknownDetail);

    private static ProblemDetails FromBadRequest(BadHttpRequestException bad)
    {
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problems.Describe(bad.StatusCode, "payload_too_large", "The request body is larger than this endpoint accepts.");
        }

        if (bad.InnerException is MisnamedFieldException misnamed)
        {
            var problem = Problems.Describe(StatusCodes.Status400BadRequest, "misnamed_field", misnamed.Message);
            problem.Extensions["field"] = misnamed.Field;
            return problem;
        }

        if (bad.InnerException is JsonException json)
        {
            var where = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "the body" : json.Path.TrimStart('$', '.');
            var problem = Problems.Describe(StatusCodes.Status400BadRequest, "malformed_json", $"The JSON in {where} could not be read as the expected type.");
            if (where != "the body")
            {
                problem.Extensions["field"] = where;
            }

            return problem;
        }

        if (UnboundParameter(bad) is { } parameter)
        {
            var unbound = Problems.Describe(StatusCodes.Status400BadRequest, "malformed_request", $"{parameter.Field} is not a valid {parameter.Type}.");
            unbound.Extensions["field"] = parameter.Field;
            return unbound;
        }

        return Problems.Describe(bad.StatusCode, bad.StatusCode == StatusCodes.Status400BadRequest ? "malformed_request" : Problems.DefaultCode(bad.StatusCode), "The request could not be read: it needs a JSON body of the documented shape.");
    }

    /// <summary>
    /// A query, route or header value the framework could not convert (page=abc). Its message names the handler's
    /// parameter by its C# name; the wire names are those in snake_case (page_size for pageSize), as in the JSON bodies.
    /// </summary>
    private static (string Field, string Type)? UnboundParameter(BadHttpRequestException bad)
    {
        var match = BindFailurePattern().Match(bad.Message);
        return match.Success
            ? (JsonNamingPolicy.SnakeCaseLower.ConvertName(match.Groups["name"].Value), match.Groups["type"].Value.TrimEnd('?'))
            : null;
    }

    // The wording of the framework's binding failure (RequestDelegateFactory, used here: no request delegate generator).
    [GeneratedRegex(@"^Failed to bind parameter ""(?<type>[^""]+) (?<name>[^"" ]+)"" from "".*""\.\z", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex BindFailurePattern();

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503 {Code}: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string method, string path, string? code, string reason);
}
