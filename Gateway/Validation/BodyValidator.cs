using System.Collections;
using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dilemma.Gateway.Validation;

/// <summary>One field at fault, by its JSON path; <see cref="Missing"/> when it is absent rather than wrong.</summary>
public sealed record FieldFailure(string Field, string Message, bool Missing);

/// <summary>
/// Data annotations over a whole request body: every property of the body, of each nested
/// request object and of each item of a list, named in the JSON spelling the client sent.
/// <see cref="Validator.TryValidateObject(object, ValidationContext, ICollection{ValidationResult}?, bool)"/>
/// looks at the top level only, which let <c>[null]</c> or <c>[{}]</c> inside a list reach a handler.
/// </summary>
public static class BodyValidator
{
    // Deep enough for any body this API takes; a deeper graph is not one of ours.
    private const int MaxDepth = 8;

    private static readonly ConcurrentDictionary<Type, ValidatedProperty[]> _properties = new();

    public static IReadOnlyList<FieldFailure> Validate(object body)
    {
        var failures = new List<FieldFailure>();
        ValidateObject(body, prefix: string.Empty, depth: 0, failures);
        return failures;
    }

    private static void ValidateObject(object value, string prefix, int depth, List<FieldFailure> failures)
    {
        if (depth > MaxDepth)
        {
            return;
        }

        foreach (var property in PropertiesOf(value.GetType()))
        {
            var field = prefix + property.JsonName;
            var propertyValue = property.Info.GetValue(value);
            var context = new ValidationContext(value) { MemberName = property.Info.Name, DisplayName = property.JsonName };
            foreach (var attribute in property.Attributes)
            {
                if (attribute.GetValidationResult(propertyValue, context) is { } result && result != ValidationResult.Success)
                {
                    failures.Add(new FieldFailure(field, result.ErrorMessage ?? $"{field} is invalid.", attribute is RequiredAttribute));
                }
            }

            ValidateValue(propertyValue, field, depth + 1, failures);
        }
    }

    private static void ValidateValue(object? value, string field, int depth, List<FieldFailure> failures)
    {
        switch (value)
        {
            case null or string:
                return;
            case IEnumerable items when !IsRequestType(value.GetType()):
                var index = 0;
                foreach (var item in items)
                {
                    var itemField = $"{field}[{index++}]";
                    if (item is null)
                    {
                        failures.Add(new FieldFailure(itemField, $"{itemField} is required: a list item cannot be null.", Missing: true));
                    }
                    else
                    {
                        ValidateValue(item, itemField, depth + 1, failures);
                    }
                }

                return;
            default:
                if (IsRequestType(value.GetType()))
                {
                    ValidateObject(value, field + ".", depth, failures);
                }

                return;
        }
    }

    // Only the gateway's own request shapes are walked; framework and primitive values are leaves.
    private static bool IsRequestType(Type type) =>
        type.IsClass && type.Assembly == typeof(BodyValidator).Assembly;

    private static ValidatedProperty[] PropertiesOf(Type type) =>
        _properties.GetOrAdd(type, static t => t
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .Select(p => new ValidatedProperty(p, p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name), p.GetCustomAttributes<ValidationAttribute>(inherit: true).ToArray()))
            .ToArray());

    private sealed record ValidatedProperty(PropertyInfo Info, string JsonName, ValidationAttribute[] Attributes);
}
