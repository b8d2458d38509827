using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Dilemma.Hosting.Settings;

/// <summary>
/// The one way a settings section is read: an options class bound from its section, checked by its data
/// annotations and, for rules that span values, an <see cref="IValidateOptions{TOptions}"/>; every failure
/// names the setting (<c>Auth:BcryptWorkFactor</c>) and its environment variable, and stops start-up
/// (<see cref="ConfigurationErrors"/> prints it as one line with exit code 2).
/// </summary>
public static class SettingsValidation
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to <paramref name="section"/> and validates its data annotations
    /// (and <paramref name="rules"/>, when given) at start-up.
    /// </summary>
    public static OptionsBuilder<T> BindSettings<T>(this OptionsBuilder<T> builder, string section, IValidateOptions<T>? rules = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.BindConfiguration(section);
        builder.Configure<IConfiguration>((options, configuration) => BindLists(options, configuration.GetSection(section)));
        builder.Services.AddSingleton<IValidateOptions<T>>(new NamedDataAnnotationsValidator<T>(builder.Name, section));
        if (rules is not null)
        {
            // Once per rule type: a host that registers the same section twice checks it once.
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton(rules));
        }

        return builder.ValidateOnStart();
    }

    /// <summary>
    /// <see cref="BindSettings{T}"/>, and <typeparamref name="T"/> itself as a singleton (the validated value),
    /// for the services that take the settings rather than <see cref="IOptions{TOptions}"/>.
    /// </summary>
    public static IServiceCollection AddSettings<T>(this IServiceCollection services, string section, IValidateOptions<T>? rules = null)
        where T : class
    {
        services.AddOptions<T>().BindSettings(section, rules);
        services.AddSingleton(provider => provider.GetRequiredService<IOptions<T>>().Value);
        return services;
    }

    /// <summary>
    /// Binds and checks <paramref name="section"/> now, with the same checks as <see cref="BindSettings{T}"/>,
    /// for settings that shape the host while it is being built (ports, which services exist); a wrong value
    /// throws the same <see cref="OptionsValidationException"/> that <c>ValidateOnStart</c> would.
    /// </summary>
    public static T ReadSettings<T>(this IConfiguration configuration, string section, IValidateOptions<T>? rules = null)
        where T : class, new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new T();
        configuration.GetSection(section).Bind(options);
        BindLists(options, configuration.GetSection(section));
        IValidateOptions<T>[] validators = rules is null
            ? [new NamedDataAnnotationsValidator<T>(Options.DefaultName, section)]
            : [new NamedDataAnnotationsValidator<T>(Options.DefaultName, section), rules];
        var failures = validators
            .Select(validator => validator.Validate(Options.DefaultName, options))
            .Where(result => result.Failed)
            .SelectMany(result => result.Failures ?? [])
            .ToList();
        return failures.Count == 0 ? options : throw new OptionsValidationException(section, typeof(T), failures);
    }

    /// <summary>The configuration key a property binds to: its <see cref="ConfigurationKeyNameAttribute"/> name, else its own.</summary>
    public static string KeyOf(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        return property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;
    }

    /// <summary>A failure naming <paramref name="key"/> and its environment variable, as every settings check words it.</summary>
    public static string Failure(string key, string problem) =>
        $"{key} {problem} (environment variable {ConfigurationErrors.Variable(key)}).";

    // A list is either indexed (Ice__StunUrls__0=…, Ice__StunUrls__1=…) or one comma-separated value
    // (Ice__StunUrls=a,b); the binder reads only the first form, so the second is split here, in the
    // nested sections marked [ValidateObjectMembers] too.
    private static void BindLists(object options, IConfigurationSection section)
    {
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead))
        {
            var child = section.GetSection(KeyOf(property));
            if (property.PropertyType == typeof(string[]) && property.CanWrite && child.Value is { Length: > 0 } list && !child.GetChildren().Any())
            {
                property.SetValue(options, list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }
            else if (property.IsDefined(typeof(ValidateObjectMembersAttribute)) && property.GetValue(options) is { } nested)
            {
                BindLists(nested, child);
            }
        }
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
            Check(options, section, failures);
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        // Nested sections (Ai:CircuitBreaker) are checked too when their property says [ValidateObjectMembers].
        private static void Check(object options, string prefix, List<string> failures)
        {
            // Only properties with rules are read: a derived one (a parsed address) may not be readable until the rules pass.
            foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && (p.IsDefined(typeof(ValidationAttribute)) || p.IsDefined(typeof(ValidateObjectMembersAttribute)))))
            {
                var key = $"{prefix}:{KeyOf(property)}";
                var value = property.GetValue(options);
                var context = new ValidationContext(options) { MemberName = property.Name, DisplayName = key };
                var results = new List<ValidationResult>();
                if (!Validator.TryValidateProperty(value, context, results))
                {
                    failures.AddRange(results.Select(r => Failure(key, Phrase(r.ErrorMessage, key))));
                }

                if (value is not null && property.IsDefined(typeof(ValidateObjectMembersAttribute)))
                {
                    Check(value, key, failures);
                }
            }
        }

        // "The field Auth:BcryptWorkFactor must be between 10 and 16." reads as "must be between 10 and 16", after the key.
        private static string Phrase(string? message, string key)
        {
            var text = (message ?? $"{key} is invalid").TrimEnd('.');
            const string Lead = "The field ";
            text = text.StartsWith(Lead, StringComparison.Ordinal) ? text[Lead.Length..] : text;
            return text.StartsWith(key + " ", StringComparison.Ordinal) ? text[(key.Length + 1)..] : text;
        }
    }
}
