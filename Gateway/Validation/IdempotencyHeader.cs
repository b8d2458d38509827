using Dilemma.Gateway.Errors;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Gateway.Validation;

/// <summary>The <c>Idempotency-Key</c> request header: its shape is checked here, its meaning kept by the grains.</summary>
public static class IdempotencyHeader
{
    public const string Description =
        "Optional. 1-128 printable ASCII characters, chosen by the client per request (a UUID, say). A retry of the same request " +
        "with the same key by the same user gets the first answer (same status and body) and changes nothing; the same key with a " +
        "different request is 422 idempotency_key_reused. Kept per user and room (the last 32 answers of a room) and, for room " +
        "creation and quick join, per user (the last 50). Refused requests (4xx) are not kept: their retry is judged afresh. " +
        "A 503 outcome_unknown is answered by retrying with the same key. Malformed: 400 invalid_idempotency_key.";

    /// <summary>
    /// Documents the statuses a keyed endpoint adds (a malformed or reused key, and the 503 of an unknown outcome) and
    /// checks the header's shape before the handler: a malformed key is returned as 400 naming the header, so the
    /// handler's key is either absent (null) or well-formed.
    /// </summary>
    public static RouteHandlerBuilder AcceptsIdempotencyKey(this RouteHandlerBuilder endpoint) => endpoint
        .AddEndpointFilter(CheckAsync)
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static ValueTask<object?> CheckAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        // The handler's string parameter is the header's values joined, so that is what is checked.
        context.HttpContext.Request.Headers.TryGetValue(IdempotencyKeys.Header, out var values) && !IdempotencyKeys.IsValid(values.ToString())
            ? ValueTask.FromResult<object?>(Problems.Of(Malformed()))
            : next(context);

    private static RuleViolationException Malformed() => new(
        RuleViolationKind.Malformed,
        "invalid_idempotency_key",
        $"{IdempotencyKeys.Header} has 1 to {IdempotencyKeys.MaxLength} printable ASCII characters.")
    {
        Field = IdempotencyKeys.Header,
    };
}
