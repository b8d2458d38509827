using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Dilemma.Grains.Settings;

/// <summary>Reads single values for the settings records; a wrong value stops start-up naming its full key.</summary>
public static class SettingReader
{
    /// <summary>
    /// <paramref name="key"/> under <paramref name="configuration"/> (a root or a section) as a whole number from
    /// <paramref name="min"/> to <paramref name="max"/>; <paramref name="fallback"/> when it is absent or blank.
    /// </summary>
    public static int WholeNumber(IConfiguration configuration, string key, int fallback, int min, int max)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        var fullKey = configuration is IConfigurationSection section ? $"{section.Path}:{key}" : key;
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new InvalidSettingException(fullKey, $"must be a whole number from {min} to {max}, not '{text}'");
    }
}
