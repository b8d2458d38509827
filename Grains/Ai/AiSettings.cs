using System.ComponentModel.DataAnnotations;
using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Hosting.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Dilemma.Grains.Ai;

/// <summary>
/// The facilitator's settings (section <c>Ai</c>), bound and checked when a silo is built (the provider
/// decides which services exist). The silo reads them in both modes: embedded mode hosts its silo inside
/// the gateway process, so the gateway's configuration applies there.
/// </summary>
public sealed class AiSettings
{
    public const string SectionName = "Ai";

    /// <summary>
    /// The gateway waits 30 s for a facilitator grain's answer (its methods' [ResponseTimeout]); a whole
    /// facilitator call, with its one retry and its fallback, must end well before that.
    /// </summary>
    public const int MaxTimeoutSeconds = 25;

    /// <summary><c>offline</c> (the default) or <c>openai</c>, in any case.</summary>
    public string Provider { get; set; } = AiRules.OfflineProvider;

    [ValidateObjectMembers]
    public OpenAiSettings OpenAi { get; set; } = new();

    [Range(1, MaxTimeoutSeconds)]
    public int TimeoutSeconds { get; set; } = 20;

    [Range(1, 256)]
    public int MaxConcurrentCalls { get; set; } = 4;

    [Range(0, 10_000)]
    public int MaxQueuedCalls { get; set; } = 32;

    [ValidateObjectMembers]
    public CircuitBreakerSettings CircuitBreaker { get; set; } = new();

    [Range(0, AiRules.TranscriptCeiling)]
    public int MaxTranscriptCharacters { get; set; } = 8_000;

    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    public bool UsesOpenAi => string.Equals(Provider?.Trim(), AiRules.OpenAiProvider, StringComparison.OrdinalIgnoreCase);

    public static AiSettings Read(IConfiguration configuration) => configuration.ReadSettings(SectionName, new AiSettingsValidator());
}

/// <summary>When the circuit opens: at least <see cref="MinimumThroughput"/> calls in <see cref="SamplingDuration"/>, <see cref="FailureRatio"/> of them failed; it stays open for <see cref="BreakDuration"/>.</summary>
public sealed class CircuitBreakerSettings
{
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    [Range(2, 10_000)]
    public int MinimumThroughput { get; set; } = 4;

    [Range(1, 3_600)]
    public int SamplingSeconds { get; set; } = 60;

    [Range(1, 3_600)]
    public int BreakSeconds { get; set; } = 30;

    public TimeSpan SamplingDuration => TimeSpan.FromSeconds(SamplingSeconds);

    public TimeSpan BreakDuration => TimeSpan.FromSeconds(BreakSeconds);
}

/// <summary>
/// Where the OpenAI-compatible endpoint is (section <c>Ai:OpenAi</c>). Its <see cref="ToString"/> never
/// prints the key.
/// </summary>
public sealed class OpenAiSettings
{
    public const string DefaultModel = "gpt-4-turbo-preview";
    public const string DefaultBaseUrl = "https://api.openai.com/v1";
    public const string DefaultAzureApiVersion = "2024-10-21";

    /// <summary>The secret. Sent as a header to the endpoint and nowhere else: never logged, never in an answer.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Everything before <c>/chat/completions</c>: <c>https://api.openai.com/v1</c>, <c>http://localhost:11434/v1</c> (Ollama), or an Azure resource's address.</summary>
    public string BaseUrl { get; set; } = DefaultBaseUrl;

    public string Model { get; set; } = DefaultModel;

    /// <summary>Set for Azure OpenAI: the deployment to call (the model is the deployment's).</summary>
    public string? AzureDeployment { get; set; }

    public string AzureApiVersion { get; set; } = DefaultAzureApiVersion;

    [Range(256, 128_000)]
    public int MaxOutputTokens { get; set; } = 4_096;

    /// <summary>The parsed <see cref="BaseUrl"/>, named apart from it: the binder also binds into a read-only property that bears a key's name.</summary>
    public Uri BaseUri => new(BaseUrl.Trim());

    public override string ToString() => $"OpenAiSettings {{ BaseUrl = {BaseUrl}, Model = {Model}, AzureDeployment = {AzureDeployment ?? "-"}, ApiKey = *** }}";

    /// <summary>The URL's form, when <paramref name="text"/> is one the client can use; null otherwise.</summary>
    internal static Uri? Parse(string? text) =>
        Uri.TryCreate(text?.Trim(), UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) && string.IsNullOrEmpty(url.Query)
            ? url
            : null;
}

/// <summary>The rules across values: the provider's name, the endpoint's URL, and a key when the provider is openai.</summary>
public sealed class AiSettingsValidator : IValidateOptions<AiSettings>
{
    public ValidateOptionsResult Validate(string? name, AiSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var provider = options.Provider?.Trim().ToLowerInvariant();
        if (!string.IsNullOrEmpty(provider) && provider is not (AiRules.OfflineProvider or AiRules.OpenAiProvider))
        {
            failures.Add(SettingsValidation.Failure("Ai:Provider", $"must be {AiRules.OfflineProvider} or {AiRules.OpenAiProvider}, not '{options.Provider}'"));
        }

        var openAi = options.OpenAi;
        if (OpenAiSettings.Parse(openAi.BaseUrl) is not { } url)
        {
            failures.Add(SettingsValidation.Failure("Ai:OpenAi:BaseUrl", $"must be an absolute http or https URL without a query, not '{openAi.BaseUrl}'"));
        }
        else if (string.IsNullOrWhiteSpace(openAi.AzureDeployment) && url.AbsolutePath.Trim('/').Length == 0)
        {
            failures.Add(SettingsValidation.Failure("Ai:OpenAi:BaseUrl", "must include the API's version path, e.g. https://api.openai.com/v1 or http://localhost:11434/v1"));
        }

        if (options.UsesOpenAi && string.IsNullOrWhiteSpace(openAi.ApiKey))
        {
            // No value to echo: it is a secret even when it is wrong.
            failures.Add(SettingsValidation.Failure("Ai:OpenAi:ApiKey", "is required when Ai:Provider is openai (servers that ignore keys, such as Ollama, accept any value)"));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
