using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dilemma.Grains.Hosting;

/// <summary>Options classes bound from a configuration section and checked at start-up, with failures named by setting.</summary>
public static class SettingsValidation
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to <paramref name="section"/> and validates its data annotations
    /// at start-up; each failure names the setting (<c>Auth:BcryptWorkFactor</c>) and its environment variable.
    /// </summary>
    public static OptionsBuilder<T> BindSettings<T>(this OptionsBuilder<T> builder, string section)
        where T : class
    {
        builder.BindConfiguration(section);
        builder.Services.AddSingleton<IValidateOptions<T>>(new NamedDataAnnotationsValidator<T>(builder.Name, section));
        return builder.ValidateOnStart();
    }

    private sealed class NamedDataAnnotationsValidator<T>(string? name, string section) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? optionsName, T options)
        {
            if (name is not null && name != optionsName)
            {
                return ValidateOptionsResult.Skip;
            }

            var failures = new List<string>();
            foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0))
            {
                var key = $"{section}:{property.Name}";
                var context = new ValidationContext(options) { MemberName = property.Name, DisplayName = key };
                var results = new List<ValidationResult>();
                if (!Validator.TryValidateProperty(property.GetValue(options), context, results))
                {
                    failures.AddRange(results.Select(r => $"{Phrase(r.ErrorMessage, key)} (environment variable {ConfigurationErrors.Variable(key)})."));
                }
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        // "The field Auth:BcryptWorkFactor must be between 10 and 16." reads as "Auth:BcryptWorkFactor must be between 10 and 16".
        private static string Phrase(string? message, string key)
        {
            var text = (message ?? $"{key} is invalid").TrimEnd('.');
            const string Lead = "The field ";
            return text.StartsWith(Lead, StringComparison.Ordinal) ? text[Lead.Length..] : text;
        }
    }
}
