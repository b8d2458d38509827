namespace Dilemma.Grains.Interfaces.Ai;

/// <summary>The AI endpoints' fixed numbers and names, shared by the facilitator (which enforces them) and the edge (which checks shape).</summary>
public static class AiRules
{
    /// <summary>Free-text guidance for a generated scenario, in characters.</summary>
    public const int GuidanceMaxLength = 500;

    /// <summary>The upper bound <c>Ai:MaxTranscriptCharacters</c> may be set to: Korean text is 3 bytes a character and bodies stop at 64 KiB.</summary>
    public const int TranscriptCeiling = 20_000;

    /// <summary>Generated scenario ids start with this; bank ids start with <c>bank-</c>.</summary>
    public const string GeneratedIdPrefix = "gen-";

    public const string Korean = "ko";
    public const string English = "en";

    /// <summary>Providers, as <c>Ai:Provider</c> and the answers' <c>provider</c> spell them.</summary>
    public const string OpenAiProvider = "openai";
    public const string OfflineProvider = "offline";

    /// <summary>"ko" or "en"; anything else means Korean, the product's default.</summary>
    public static string PromptLanguage(string? language) =>
        language is not null && language.StartsWith(English, StringComparison.OrdinalIgnoreCase) ? English : Korean;
}

/// <summary>Why an answer came from the offline provider although an LLM is configured.</summary>
public static class FallbackReasons
{
    /// <summary>The model answered twice, and neither answer was valid JSON of the required shape.</summary>
    public const string InvalidResponse = "invalid_response";

    /// <summary>No answer within <c>Ai:TimeoutSeconds</c>.</summary>
    public const string Timeout = "timeout";

    /// <summary>Recent calls failed often enough that the circuit breaker stops calling for a while.</summary>
    public const string CircuitOpen = "circuit_open";

    /// <summary>The endpoint answered with an error status (5xx, 429, or a 4xx such as a rejected key).</summary>
    public const string UpstreamError = "upstream_error";

    /// <summary>The endpoint could not be reached (connection refused, DNS).</summary>
    public const string Unreachable = "unreachable";

    /// <summary><c>Ai:MaxConcurrentCalls</c> calls were in flight and the queue was full.</summary>
    public const string Busy = "busy";
}
