using Dilemma.Gateway.Errors;

namespace Dilemma.Gateway.Validation;

/// <summary>
/// Checks a request body's data annotations before the handler runs, inside nested objects and
/// list items too. A missing required field or list item is malformed (400, <c>missing_field</c>);
/// a present but out-of-bounds one is invalid (422, <c>invalid_field</c>). Either way the problem
/// names the fields by their JSON path (<c>assignments[0].user_id</c>).
/// An endpoint whose fields are all optional may be given <c>whenEmpty</c>: an empty body then
/// means that request (no fields, or fields from the query string) instead of 400.
/// </summary>
public sealed class ValidationFilter<T>(Func<HttpContext, T>? whenEmpty = null) : IEndpointFilter
    where T : class
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var body = context.Arguments.OfType<T>().FirstOrDefault();
        if (body is null && whenEmpty is not null && BodyIndex(context) is { } index)
        {
            body = whenEmpty(context.HttpContext);
            context.Arguments[index] = body;
        }

        if (body is null)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "missing_body", "The request needs a JSON body.");
        }

        var failures = BodyValidator.Validate(body);
        if (failures.Count == 0)
        {
            return await next(context);
        }

        var missing = failures.Any(f => f.Missing);
        var errors = failures
            .GroupBy(f => f.Field)
            .ToDictionary(g => g.Key, g => g.Select(f => f.Message).ToArray());
        var fields = string.Join(", ", errors.Keys);
        var field = errors.Count == 1 ? fields : null;
        return missing
            ? Problems.Create(StatusCodes.Status400BadRequest, "missing_field", $"Required field missing: {fields}.", errors, field)
            : Problems.Create(StatusCodes.Status422UnprocessableEntity, "invalid_field", $"Invalid value in: {fields}.", errors, field);
    }

    // The handler's body parameter: the one declared as T (null when the body was empty).
    private static int? BodyIndex(EndpointFilterInvocationContext context)
    {
        var parameters = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<System.Reflection.MethodInfo>()?.GetParameters();
        var index = Array.FindIndex(parameters ?? [], p => p.ParameterType == typeof(T));
        return index >= 0 && index < context.Arguments.Count ? index : null;
    }
}

public static class ValidationFilterExtensions
{
    public static RouteHandlerBuilder Validates<T>(this RouteHandlerBuilder builder)
        where T : class =>
        builder.AddEndpointFilter(new ValidationFilter<T>()).ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

    /// <summary>
    /// For a body whose fields are all optional (the handler declares it nullable): an empty body
    /// becomes <paramref name="whenEmpty"/>'s request, then is checked like any other.
    /// </summary>
    public static RouteHandlerBuilder Validates<T>(this RouteHandlerBuilder builder, Func<HttpContext, T> whenEmpty)
        where T : class =>
        builder.AddEndpointFilter(new ValidationFilter<T>(whenEmpty)).ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
}
