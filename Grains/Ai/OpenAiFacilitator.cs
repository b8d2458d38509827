using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using Betalgo.Ranul.OpenAI;
using Betalgo.Ranul.OpenAI.Managers;
using Betalgo.Ranul.OpenAI.ObjectModels.RequestModels;
using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Interfaces.Scenarios;
using Dilemma.Grains.Scenarios;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;
using JsonOutput = Betalgo.Ranul.OpenAI.Contracts.Enums.ResponseFormat;

namespace Dilemma.Grains.Ai;

/// <summary>
/// The facilitator on an OpenAI-compatible chat-completions endpoint (OpenAI, Azure OpenAI, Ollama,
/// vLLM, LM Studio) through Betalgo.Ranul.OpenAI. Each request asks for a JSON object; the answer is
/// read against the same rules as the bank. An answer that breaks them is asked for once more; after
/// that, or at once on a timeout, an error status, an unreachable endpoint, an open circuit or a full
/// queue, the offline facilitator answers and the provenance says why. The whole call, the wait for
/// a slot included, ends within <c>Ai:TimeoutSeconds</c>.
/// </summary>
public sealed partial class OpenAiFacilitator : IFacilitator, IDisposable
{
    /// <summary>The named HttpClient Betalgo is given: it carries the timeout and the circuit breaker.</summary>
    public const string HttpClientName = "dilemma-ai";

    /// <summary>One try and one retry of an answer that broke the rules.</summary>
    public const int MaxAttempts = 2;

    public const int MaxQuestionLength = 500;
    public const int MaxFeedbackTextLength = 1_000;
    public const int MaxFeedbackPoints = 5;

    private static readonly JsonSerializerOptions FigureJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly IHttpClientFactory _clients;
    private readonly AiSettings _settings;
    private readonly OpenAiSettings _openAi;
    private readonly OfflineFacilitator _offline;
    private readonly PromptLibrary _prompts;
    private readonly ScenarioBank _bank;
    private readonly ILogger<OpenAiFacilitator> _logger;
    private readonly OpenAIOptions _options;
    private readonly ConcurrencyLimiter _limiter;

    public OpenAiFacilitator(IHttpClientFactory clients, AiSettings settings, OfflineFacilitator offline, PromptLibrary prompts, ScenarioBank bank, ILogger<OpenAiFacilitator> logger)
    {
        _clients = clients;
        _settings = settings;
        _openAi = settings.OpenAi;
        _offline = offline;
        _prompts = prompts;
        _bank = bank;
        _logger = logger;
        _options = ClientOptions(_openAi);
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = settings.MaxConcurrentCalls,
            QueueLimit = settings.MaxQueuedCalls,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    public void Dispose() => _limiter.Dispose();

    public Task<FacilitatorAnswer<Scenario>> GenerateScenarioAsync(ScenarioBrief brief, CancellationToken cancellationToken)
    {
        var topic = brief.Topic ?? _offline.BaseFor(brief).Topic;
        var reference = _bank.FindByTopic(topic);
        var prompt = _prompts.Render(PromptLibrary.Scenario, brief.Language, new Dictionary<string, string>
        {
            ["topic"] = topic,
            ["reference_title"] = reference?.Title.In(brief.Language) ?? "-",
            ["guidance"] = string.IsNullOrWhiteSpace(brief.Guidance) ? "-" : brief.Guidance.Trim(),
        });
        return AskModelAsync(
            PromptLibrary.Scenario,
            prompt,
            answer => GeneratedScenarios.ReadModelAnswer(answer, topic),
            token => _offline.GenerateScenarioAsync(brief, token),
            cancellationToken);
    }

    public Task<FacilitatorAnswer<IReadOnlyList<LocalizedText>>> AskAsync(QuestionBrief brief, CancellationToken cancellationToken)
    {
        var values = RoleInRound(brief.Round, brief.RoundNumber, brief.RoleId, brief.Language);
        values["role_question"] = brief.Round.RoleContexts[brief.RoleId].Question.In(brief.Language);
        var prompt = _prompts.Render(PromptLibrary.Questions, brief.Language, values);
        return AskModelAsync(PromptLibrary.Questions, prompt, ReadQuestions, token => _offline.AskAsync(brief, token), cancellationToken);
    }

    public Task<FacilitatorAnswer<FeedbackText>> GiveFeedbackAsync(FeedbackBrief brief, CancellationToken cancellationToken)
    {
        var language = brief.Language;
        var rounds = new StringBuilder();
        foreach (var figures in brief.Analysis.Figures.Rounds)
        {
            var round = brief.Scenario.Rounds[figures.RoundNumber - 1];
            rounds.Append(CultureInfo.InvariantCulture, $"Round {figures.RoundNumber}: {round.Title.In(language)}\n{round.Dilemma.In(language)}\n{Options(round, language)}\n")
                .Append(CultureInfo.InvariantCulture, $"=> {figures.ConsensusChoice}) {round.Options[figures.ConsensusChoice].In(language)}\n\n");
        }

        var prompt = _prompts.Render(PromptLibrary.Feedback, language, new Dictionary<string, string>
        {
            ["scenario_title"] = brief.Scenario.Title.In(language),
            ["rounds"] = rounds.ToString().TrimEnd(),
            ["figures"] = JsonSerializer.Serialize(brief.Analysis.Figures, FigureJson),
            ["transcript"] = string.IsNullOrWhiteSpace(brief.Transcript) ? "-" : brief.Transcript.Trim(),
        });
        return AskModelAsync(PromptLibrary.Feedback, prompt, ReadFeedback, token => _offline.GiveFeedbackAsync(brief, token), cancellationToken);
    }

    public Task<FacilitatorAnswer<BotChoice>> ChooseForBotAsync(BotBrief brief, CancellationToken cancellationToken)
    {
        var round = brief.Round;
        var prompt = _prompts.Render(PromptLibrary.Bot, brief.Language, RoleInRound(round, brief.RoundNumber, brief.RoleId, brief.Language));
        return AskModelAsync(
            PromptLibrary.Bot,
            prompt,
            answer => BotChoices.ReadModelAnswer(answer, round.Options.Count),
            token => _offline.ChooseForBotAsync(brief, token),
            cancellationToken);
    }

    /// <summary>
    /// Betalgo joins its base domain and API version ("v1") into the request path, so a base URL such
    /// as <c>http://localhost:11434/v1</c> is split at its last segment. Azure takes the resource's
    /// address and a deployment.
    /// </summary>
    public static OpenAIOptions ClientOptions(OpenAiSettings settings)
    {
        if (settings.AzureDeployment?.Trim() is { Length: > 0 } deployment)
        {
            return new OpenAIOptions
            {
                ProviderType = ProviderType.Azure,
                ApiKey = settings.ApiKey?.Trim() ?? string.Empty,
                BaseDomain = settings.BaseUri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/",
                DeploymentId = deployment,
                ApiVersion = settings.AzureApiVersion,
            };
        }

        var path = settings.BaseUri.AbsolutePath.Trim('/');
        var cut = path.LastIndexOf('/');
        return new OpenAIOptions
        {
            ApiKey = settings.ApiKey?.Trim() ?? string.Empty,
            BaseDomain = new UriBuilder(settings.BaseUri) { Path = cut < 0 ? "/" : "/" + path[..cut] + "/" }.Uri.ToString(),
            ApiVersion = cut < 0 ? path : path[(cut + 1)..],
            DefaultModelId = settings.Model,
        };
    }

    private async Task<FacilitatorAnswer<T>> AskModelAsync<T>(
        string purpose,
        Prompt prompt,
        Func<string, T> read,
        Func<CancellationToken, Task<FacilitatorAnswer<T>>> fallback,
        CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(_settings.Timeout);
        var attempts = 0;
        string reason;
        try
        {
            using var lease = await _limiter.AcquireAsync(1, budget.Token);
            if (!lease.IsAcquired)
            {
                return await FallBackAsync(purpose, FallbackReasons.Busy, attempts, fallback, cancellationToken);
            }

            reason = FallbackReasons.InvalidResponse;
            while (attempts < MaxAttempts)
            {
                attempts++;
                try
                {
                    var answer = await CallAsync(purpose, prompt, attempts, budget.Token);
                    return new FacilitatorAnswer<T>(
                        read(answer),
                        new AiProvenance(AiRules.OpenAiProvider, _openAi.AzureDeployment ?? _openAi.Model, false, null, attempts, prompt.Version),
                        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(answer))));
                }
                catch (InvalidModelAnswerException e)
                {
                    LogInvalidAnswer(_logger, purpose, attempts, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller went away: nobody is left to answer.
            throw;
        }
        catch (Exception e) when (Classify(e) is { } transport)
        {
            reason = transport;
            LogCallFailed(_logger, purpose, attempts, transport, e.GetType().Name);
        }

        return await FallBackAsync(purpose, reason, attempts, fallback, cancellationToken);
    }

    private async Task<FacilitatorAnswer<T>> FallBackAsync<T>(string purpose, string reason, int attempts, Func<CancellationToken, Task<FacilitatorAnswer<T>>> fallback, CancellationToken cancellationToken)
    {
        LogFallback(_logger, purpose, reason, attempts);
        var answer = await fallback(cancellationToken);
        return answer with { Ai = answer.Ai with { FellBack = true, FallbackReason = reason, Attempts = attempts } };
    }

    private async Task<string> CallAsync(string purpose, Prompt prompt, int attempt, CancellationToken cancellationToken)
    {
        using var http = _clients.CreateClient(HttpClientName);
        using var service = new OpenAIService(_options, http);
        var request = new ChatCompletionCreateRequest
        {
            Model = _openAi.Model,
            Messages = [ChatMessage.FromSystem(prompt.System), ChatMessage.FromUser(prompt.User)],
            ResponseFormat = new ResponseFormat { Type = JsonOutput.JsonObject },
            MaxTokens = _openAi.MaxOutputTokens,
            Temperature = 0.7f,
        };

        var started = Stopwatch.GetTimestamp();
        Betalgo.Ranul.OpenAI.ObjectModels.ResponseModels.ChatCompletionCreateResponse response;
        try
        {
            response = await service.ChatCompletion.CreateCompletion(request, cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            throw new InvalidModelAnswerException($"The endpoint's body is not the chat-completion JSON: {e.Message}");
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var status = (int)response.HttpStatusCode;
        if (status is < 200 or > 299 || response.Error is not null)
        {
            // The error's code only: an endpoint's message can quote part of the key it refused.
            throw new UpstreamErrorException(status, response.Error?.Code ?? response.Error?.Type);
        }

        if (response.Usage is { } usage)
        {
            LogUsage(_logger, purpose, response.Model ?? _openAi.Model, attempt, usage.PromptTokens, usage.CompletionTokens ?? 0, usage.TotalTokens, (long)elapsed.TotalMilliseconds);
        }

        var choice = response.Choices?.FirstOrDefault();
        if (choice?.FinishReason == "length")
        {
            throw new InvalidModelAnswerException("The answer was cut off at the output limit (finish_reason length).");
        }

        return choice?.Message?.Content is { Length: > 0 } content
            ? content
            : throw new InvalidModelAnswerException("The answer has no message content.");
    }

    private static string? Classify(Exception exception) => exception switch
    {
        TimeoutRejectedException or OperationCanceledException => FallbackReasons.Timeout,
        BrokenCircuitException or IsolatedCircuitException => FallbackReasons.CircuitOpen,
        UpstreamErrorException => FallbackReasons.UpstreamError,
        HttpRequestException => FallbackReasons.Unreachable,
        _ => null,
    };

    /// <summary>The placeholders the questions and bot prompts share: one role in one round.</summary>
    private static Dictionary<string, string> RoleInRound(ScenarioRound round, int roundNumber, int roleId, string language) => new()
    {
        ["role_id"] = roleId.ToString(CultureInfo.InvariantCulture),
        ["role_name"] = FeedbackRules.RoleLabel(roleId).In(language),
        ["round_number"] = roundNumber.ToString(CultureInfo.InvariantCulture),
        ["round_title"] = round.Title.In(language),
        ["dilemma"] = round.Dilemma.In(language),
        ["options"] = Options(round, language),
        ["role_context"] = round.RoleContexts[roleId].Context.In(language),
    };

    private static string Options(ScenarioRound round, string language) =>
        string.Join("\n", round.Options.Select((option, i) => $"{i}) {option.In(language)}"));

    private static IReadOnlyList<LocalizedText> ReadQuestions(string answer)
    {
        var root = GeneratedScenarios.ParseObject(answer);
        var questions = Texts(root["questions"], "questions", MaxQuestionLength);
        return questions.Count is >= 2 and <= 4
            ? questions
            : throw new InvalidModelAnswerException($"questions has {questions.Count} item(s); 2 to 4 are asked for.");
    }

    private static FeedbackText ReadFeedback(string answer)
    {
        var root = GeneratedScenarios.ParseObject(answer);
        var summary = Text(root["summary"], "summary", MaxFeedbackTextLength);
        var points = Texts(root["points"], "points", MaxFeedbackTextLength);
        return points.Count is >= 1 and <= MaxFeedbackPoints
            ? new FeedbackText(summary, points.Select(p => new FeedbackPoint("facilitator", p)).ToList())
            : throw new InvalidModelAnswerException($"points has {points.Count} item(s); 1 to {MaxFeedbackPoints} are asked for.");
    }

    private static List<LocalizedText> Texts(JsonNode? node, string path, int maxLength) =>
        node is JsonArray array
            ? array.Select((item, i) => Text(item, $"{path}[{i}]", maxLength)).ToList()
            : throw new InvalidModelAnswerException($"{path} is missing or not an array.");

    private static LocalizedText Text(JsonNode? node, string path, int maxLength)
    {
        var ko = (node as JsonObject)?["ko"] is JsonValue k && k.TryGetValue<string>(out var kv) ? kv.Trim() : null;
        var en = (node as JsonObject)?["en"] is JsonValue e && e.TryGetValue<string>(out var ev) ? ev.Trim() : null;
        if (string.IsNullOrEmpty(ko) || string.IsNullOrEmpty(en))
        {
            throw new InvalidModelAnswerException($"{path} needs non-empty \"ko\" and \"en\" strings.");
        }

        return ko.Length <= maxLength && en.Length <= maxLength
            ? new LocalizedText(ko, en)
            : throw new InvalidModelAnswerException($"{path} is longer than {maxLength} characters.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "AI {Purpose}: model {Model}, attempt {Attempt}, tokens prompt {PromptTokens} + completion {CompletionTokens} = {TotalTokens}, {ElapsedMs} ms")]
    private static partial void LogUsage(ILogger logger, string purpose, string model, int attempt, int promptTokens, int completionTokens, int totalTokens, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI {Purpose}: attempt {Attempt} answered outside the required shape: {Problem}")]
    private static partial void LogInvalidAnswer(ILogger logger, string purpose, int attempt, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI {Purpose}: call {Attempt} failed ({Reason}, {ExceptionType})")]
    private static partial void LogCallFailed(ILogger logger, string purpose, int attempt, string reason, string exceptionType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI {Purpose}: the offline facilitator answers instead ({Reason}, after {Attempts} call(s))")]
    private static partial void LogFallback(ILogger logger, string purpose, string reason, int attempts);
}

/// <summary>The endpoint answered with an error status; counted by the circuit breaker when it is 5xx, 408 or 429.</summary>
public sealed class UpstreamErrorException : Exception
{
    public UpstreamErrorException(int status, string? code)
        : base($"The model endpoint answered {status}{(code is null ? string.Empty : $" ({code})")}.")
    {
        Status = status;
    }

    public UpstreamErrorException()
    {
    }

    public UpstreamErrorException(string message)
        : base(message)
    {
    }

    public UpstreamErrorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Status { get; }
}
