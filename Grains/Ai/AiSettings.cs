using System.Globalization;
using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Settings;
using Microsoft.Extensions.Configuration;

namespace Dilemma.Grains.Ai;

/// <summary>
/// The facilitator's settings (section <c>Ai</c>), read once when a silo is built so that a wrong
/// value stops start-up with the setting's name. The silo reads them in both modes: embedded mode
/// hosts its silo inside the gateway process, so the gateway's configuration applies there.
/// </summary>
public sealed record AiSettings(
    string Provider,
    OpenAiSettings? OpenAi,
    TimeSpan Timeout,
    int MaxConcurrentCalls,
    int MaxQueuedCalls,
    CircuitBreakerSettings CircuitBreaker,
    int MaxTranscriptCharacters)
{
    public const string SectionName = "Ai";

    /// <summary>
    /// The gateway waits 30 s for a facilitator grain's answer (its methods' [ResponseTimeout]); a whole
    /// facilitator call, with its one retry and its fallback, must end well before that.
    /// </summary>
    public const int MaxTimeoutSeconds = 25;

    public static AiSettings Defaults { get; } = Read(new ConfigurationBuilder().Build());

    public bool UsesOpenAi => Provider == AiRules.OpenAiProvider;

    public static AiSettings Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var provider = ReadProvider(section);
        var breaker = section.GetSection("CircuitBreaker");
        return new AiSettings(
            provider,
            OpenAiSettings.Read(section.GetSection("OpenAi"), required: provider == AiRules.OpenAiProvider),
            TimeSpan.FromSeconds(Int(section, "TimeoutSeconds", 20, 1, MaxTimeoutSeconds)),
            Int(section, "MaxConcurrentCalls", 4, 1, 256),
            Int(section, "MaxQueuedCalls", 32, 0, 10_000),
            new CircuitBreakerSettings(
                Double(breaker, "FailureRatio", 0.5, 0.01, 1.0),
                Int(breaker, "MinimumThroughput", 4, 2, 10_000),
                TimeSpan.FromSeconds(Int(breaker, "SamplingSeconds", 60, 1, 3_600)),
                TimeSpan.FromSeconds(Int(breaker, "BreakSeconds", 30, 1, 3_600))),
            Int(section, "MaxTranscriptCharacters", 8_000, 0, AiRules.TranscriptCeiling));
    }

    private static string ReadProvider(IConfigurationSection section)
    {
        var text = section["Provider"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return AiRules.OfflineProvider;
        }

        return text.Trim().ToLowerInvariant() switch
        {
            AiRules.OfflineProvider => AiRules.OfflineProvider,
            AiRules.OpenAiProvider => AiRules.OpenAiProvider,
            _ => throw new InvalidSettingException($"{section.Path}:Provider", $"must be {AiRules.OfflineProvider} or {AiRules.OpenAiProvider}, not '{text}'"),
        };
    }

    internal static int Int(IConfigurationSection section, string name, int fallback, int min, int max) =>
        SettingReader.WholeNumber(section, name, fallback, min, max);

    private static double Double(IConfigurationSection section, string name, double fallback, double min, double max)
    {
        var text = section[name];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new InvalidSettingException($"{section.Path}:{name}", $"must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, not '{text}'");
    }
}

/// <summary>When the circuit opens: at least <see cref="MinimumThroughput"/> calls in <see cref="SamplingDuration"/>, <see cref="FailureRatio"/> of them failed; it stays open for <see cref="BreakDuration"/>.</summary>
public sealed record CircuitBreakerSettings(double FailureRatio, int MinimumThroughput, TimeSpan SamplingDuration, TimeSpan BreakDuration);

/// <summary>
/// Where the OpenAI-compatible endpoint is (section <c>Ai:OpenAi</c>). Not a record, so that no
/// generated <c>ToString</c> can ever print the key.
/// </summary>
public sealed class OpenAiSettings
{
    public const string DefaultModel = "gpt-4-turbo-preview";
    public const string DefaultBaseUrl = "https://api.openai.com/v1";
    public const string DefaultAzureApiVersion = "2024-10-21";

    private OpenAiSettings(string apiKey, Uri baseUrl, string model, string? azureDeployment, string azureApiVersion, int maxOutputTokens)
    {
        ApiKey = apiKey;
        BaseUrl = baseUrl;
        Model = model;
        AzureDeployment = azureDeployment;
        AzureApiVersion = azureApiVersion;
        MaxOutputTokens = maxOutputTokens;
    }

    /// <summary>The secret. Sent as a header to the endpoint and nowhere else: never logged, never in an answer.</summary>
    public string ApiKey { get; }

    /// <summary>Everything before <c>/chat/completions</c>: <c>https://api.openai.com/v1</c>, <c>http://localhost:11434/v1</c> (Ollama), or an Azure resource's address.</summary>
    public Uri BaseUrl { get; }

    public string Model { get; }

    /// <summary>Set for Azure OpenAI: the deployment to call (the model is the deployment's).</summary>
    public string? AzureDeployment { get; }

    public string AzureApiVersion { get; }

    public int MaxOutputTokens { get; }

    public override string ToString() => $"OpenAiSettings {{ BaseUrl = {BaseUrl}, Model = {Model}, AzureDeployment = {AzureDeployment ?? "-"}, ApiKey = *** }}";

    internal static OpenAiSettings? Read(IConfigurationSection section, bool required)
    {
        var apiKey = section["ApiKey"];
        var baseUrlText = section["BaseUrl"];
        var baseUrl = string.IsNullOrWhiteSpace(baseUrlText) ? new Uri(DefaultBaseUrl) : ParseUrl(section, baseUrlText);
        var model = string.IsNullOrWhiteSpace(section["Model"]) ? DefaultModel : section["Model"]!.Trim();
        var deployment = string.IsNullOrWhiteSpace(section["AzureDeployment"]) ? null : section["AzureDeployment"]!.Trim();
        var azureVersion = string.IsNullOrWhiteSpace(section["AzureApiVersion"]) ? DefaultAzureApiVersion : section["AzureApiVersion"]!.Trim();
        var maxOutputTokens = AiSettings.Int(section, "MaxOutputTokens", 4_096, 256, 128_000);
        if (deployment is null && baseUrl.AbsolutePath.Trim('/').Length == 0)
        {
            throw new InvalidSettingException($"{section.Path}:BaseUrl", "must include the API's version path, e.g. https://api.openai.com/v1 or http://localhost:11434/v1");
        }

        if (!required)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(apiKey))
        {
            // No value to echo: it is a secret even when it is wrong.
            throw new InvalidSettingException($"{section.Path}:ApiKey", "is required when Ai:Provider is openai (servers that ignore keys, such as Ollama, accept any value)");
        }

        return new OpenAiSettings(apiKey.Trim(), baseUrl, model, deployment, azureVersion, maxOutputTokens);
    }

    private static Uri ParseUrl(IConfigurationSection section, string text) =>
        Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) && string.IsNullOrEmpty(url.Query)
            ? url
            : throw new InvalidSettingException($"{section.Path}:BaseUrl", $"must be an absolute http or https URL without a query, not '{text}'");
}
