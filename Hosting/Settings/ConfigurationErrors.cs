using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dilemma.Hosting.Settings;

/// <summary>
/// Turns whatever a wrong setting throws at start-up into the one line a host prints before it
/// exits with code 2: an options class's failed validation (<c>ValidateOnStart</c>, or
/// <see cref="SettingsValidation.ReadSettings{T}"/> while the host is built), and a value the
/// configuration binder could not convert.
/// Anything else is not a setting's fault and stays an error with its stack trace.
/// </summary>
public static partial class ConfigurationErrors
{
    /// <summary>The exit code of a process refused for a wrong setting.</summary>
    public const int ExitCode = 2;

    /// <summary>One line naming the setting(s), without the <c>Configuration error: </c> prefix; null when the exception is not about a setting.</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        OptionsValidationException options => string.Join(" ", options.Failures.Select(NameVariable)),
        AggregateException aggregate => DescribeAll(aggregate.Flatten().InnerExceptions),
        InvalidOperationException binding when BindingFailure().Match(binding.Message) is { Success: true } match =>
            $"{match.Groups["key"].Value} must be {Expected(match.Groups["type"].Value)} (environment variable {Variable(match.Groups["key"].Value)}).",
        { InnerException: { } inner } => Describe(inner),
        _ => null,
    };

    /// <summary>
    /// Runs every <c>ValidateOnStart</c> check now, before the host starts: a failure thrown from
    /// inside the host's start is also logged by it with a stack trace, and the operator should see one line.
    /// </summary>
    public static void ValidateSettings(IServiceProvider services) =>
        services.GetService<IStartupValidator>()?.Validate();

    /// <summary>The environment variable that sets a configuration key (<c>Auth:JwtKey</c> is <c>Auth__JwtKey</c>).</summary>
    public static string Variable(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    private static string? DescribeAll(IEnumerable<Exception> exceptions)
    {
        var lines = exceptions.Select(Describe).ToList();
        return lines.Count > 0 && lines.All(l => l is not null) ? string.Join(" ", lines) : null;
    }

    // A validation message names its key ("Realtime:MaxMessageBytes must be …"); the operator sets
    // it through the environment, so the line says that spelling too.
    private static string NameVariable(string failure)
    {
        if (failure.Contains("(environment variable", StringComparison.Ordinal) || SettingKey().Match(failure) is not { Success: true } key)
        {
            return failure;
        }

        return $"{failure.TrimEnd().TrimEnd('.')} (environment variable {Variable(key.Value)}).";
    }

    // The type may be wrapped: System.Nullable`1[[System.Int32, …]] for an optional number.
    private static string Expected(string type) => type switch
    {
        _ when type.Contains("System.Int32", StringComparison.Ordinal) || type.Contains("System.Int64", StringComparison.Ordinal) => "a whole number",
        _ when type.Contains("System.Boolean", StringComparison.Ordinal) => "true or false",
        _ when type.Contains("System.Double", StringComparison.Ordinal) || type.Contains("System.Decimal", StringComparison.Ordinal) => "a number",
        _ => $"a value of type {type}",
    };

    // The binder's message: "Failed to convert configuration value ['VALUE' ]at 'KEY' to type 'TYPE'."
    // The value is left out of our line: it may be a secret.
    [GeneratedRegex(@"^Failed to convert configuration value .*at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.Singleline)]
    private static partial Regex BindingFailure();

    [GeneratedRegex(@"\b[A-Z][A-Za-z0-9]*(?::[A-Z][A-Za-z0-9]*)+\b")]
    private static partial Regex SettingKey();
}
