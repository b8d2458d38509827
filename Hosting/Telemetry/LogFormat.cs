using Dilemma.Hosting.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Dilemma.Hosting.Telemetry;

/// <summary><c>Logging:Format</c>: <c>text</c> (the default console lines) or <c>json</c> (one JSON object a line, with the trace id).</summary>
public sealed class LogFormat
{
    public const string SectionName = "Logging";
    public const string Key = "Logging:Format";

    public string Format { get; set; } = "text";

    /// <summary>Binds and checks the setting; the host chooses its console formatter while it is built.</summary>
    public static bool IsJson(IConfiguration configuration) =>
        configuration.ReadSettings(SectionName, new LogFormatValidator()).Format.Equals("json", StringComparison.OrdinalIgnoreCase);

    private sealed class LogFormatValidator : IValidateOptions<LogFormat>
    {
        public ValidateOptionsResult Validate(string? name, LogFormat options) =>
            string.IsNullOrWhiteSpace(options.Format) || options.Format.Equals("text", StringComparison.OrdinalIgnoreCase) || options.Format.Equals("json", StringComparison.OrdinalIgnoreCase)
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(SettingsValidation.Failure(Key, $"must be text or json, not '{options.Format}'"));
    }
}
