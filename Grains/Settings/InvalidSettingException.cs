namespace Dilemma.Grains.Settings;

/// <summary>
/// A setting that is missing or wrong. Hosts catch it before anything starts and print its
/// message as one line, so an operator sees which setting to fix rather than a stack trace.
/// </summary>
public sealed class InvalidSettingException : Exception
{
    public InvalidSettingException(string key, string problem)
        : base($"{key} {problem} (environment variable {key.Replace(":", "__", StringComparison.Ordinal)}).")
    {
        Key = key;
    }

    public InvalidSettingException()
    {
        Key = string.Empty;
    }

    public InvalidSettingException(string message)
        : base(message)
    {
        Key = string.Empty;
    }

    public InvalidSettingException(string message, Exception innerException)
        : base(message, innerException)
    {
        Key = string.Empty;
    }

    public string Key { get; }
}
