using Dilemma.Gateway.Errors;

namespace Dilemma.Gateway.Validation;

/// <summary>
/// Checks a request body's data annotations before the handler runs, inside nested objects and
/// list items too. A missing required field or list item is malformed (400, <c>missing_field</c>);
/// a present but out-of-bounds one is invalid (422, <c>invalid_field</c>). Either way the problem
/// names the fields by their JSON path (<c>assignments[0].user_id</c>).
/// </summary>
public sealed class ValidationFilter<T> : IEndpointFilter
    where T : class
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var body = context.Arguments.OfType<T>().FirstOrDefault();
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
}

public static class ValidationFilterExtensions
{
    public static RouteHandlerBuilder Validates<T>(this RouteHandlerBuilder builder)
        where T : class =>
        builder.AddEndpointFilter<ValidationFilter<T>>().ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
}
