using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Dilemma.Gateway.Errors;

namespace Dilemma.Gateway.Validation;

/// <summary>
/// Checks a request body's data annotations before the handler runs. A missing required field
/// is malformed (400, <c>missing_field</c>); a present but out-of-bounds one is invalid
/// (422, <c>invalid_field</c>). Either way the problem names the fields in their JSON spelling.
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

        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(body, new ValidationContext(body), results, validateAllProperties: true))
        {
            return await next(context);
        }

        var missing = results.Any(r => r.ErrorMessage?.Contains("required", StringComparison.OrdinalIgnoreCase) == true);
        var errors = results
            .SelectMany(r => r.MemberNames.Select(m => (Member: m, Field: JsonNamingPolicy.SnakeCaseLower.ConvertName(m), r.ErrorMessage)))
            .GroupBy(e => e.Field)
            .ToDictionary(g => g.Key, g => g.Select(e => Rename(e.ErrorMessage, e.Member, e.Field)).ToArray());
        var fields = string.Join(", ", errors.Keys);
        return missing
            ? Problems.Create(StatusCodes.Status400BadRequest, "missing_field", $"Required field missing: {fields}.", errors)
            : Problems.Create(StatusCodes.Status422UnprocessableEntity, "invalid_field", $"Invalid value in: {fields}.", errors);
    }

    // Data annotations speak of the C# property; the client only knows the JSON field.
    private static string Rename(string? message, string member, string field) =>
        message?.Replace(member, field, StringComparison.Ordinal) ?? $"{field} is invalid.";
}

public static class ValidationFilterExtensions
{
    public static RouteHandlerBuilder Validates<T>(this RouteHandlerBuilder builder)
        where T : class =>
        builder.AddEndpointFilter<ValidationFilter<T>>().ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
}
