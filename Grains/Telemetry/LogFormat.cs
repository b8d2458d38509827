using Dilemma.Grains.Settings;
using Microsoft.Extensions.Configuration;

namespace Dilemma.Grains.Telemetry;

/// <summary><c>Logging:Format</c>: <c>text</c> (the default console lines) or <c>json</c> (one JSON object a line, with the trace id).</summary>
public static class LogFormat
{
    public const string Key = "Logging:Format";

    public static bool IsJson(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var text = configuration[Key];
        if (string.IsNullOrWhiteSpace(text) || text.Equals("text", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return text.Equals("json", StringComparison.OrdinalIgnoreCase)
            ? true
            : throw new InvalidSettingException(Key, $"must be text or json, not '{text}'");
    }
}
