using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Interfaces.Scenarios;
using Dilemma.Grains.Scenarios;

namespace Dilemma.Grains.Ai;

/// <summary>
/// What makes a generated scenario one: the bank's rules (<see cref="ScenarioFileReader"/>: five
/// rounds numbered in order, two to four options, roles 1–3, every text in Korean and English)
/// plus a few that a model, unlike a curator, needs to be told (no repeated option, no runaway text).
/// Its id and version are a hash of its content, so saving it twice is harmless.
/// </summary>
public static class GeneratedScenarios
{
    public const string LlmSource = "llm";
    public const string OfflineSource = "offline";

    /// <summary>No single text of a generated scenario is longer; the bank's longest is under 600.</summary>
    public const int MaxTextLength = 2_000;

    /// <summary>A model answer above this is refused before it is parsed.</summary>
    public const int MaxAnswerLength = 96 * 1024;

    private static readonly JsonSerializerOptions HashOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Reads a model's answer as a scenario on <paramref name="topic"/>.</summary>
    /// <exception cref="InvalidModelAnswerException">The answer breaks a rule; the message lists them.</exception>
    public static Scenario ReadModelAnswer(string answer, string topic)
    {
        var root = ParseObject(answer);

        // The id and topic are ours to give, whatever the model wrote.
        root["id"] = AiRules.GeneratedIdPrefix + "pending";
        root["topic"] = topic;
        var violations = new List<ScenarioBankViolation>();
        var scenario = ScenarioFileReader.Read("model answer", Encoding.UTF8.GetBytes(root.ToJsonString()), string.Empty, violations);
        if (scenario is not null)
        {
            violations.AddRange(Violations(scenario));
        }

        return violations.Count == 0 && scenario is not null
            ? Identify(scenario, LlmSource)
            : throw new InvalidModelAnswerException(string.Join(" ", violations.Select(v => $"[{v.Rule}] {v.Detail}")));
    }

    /// <summary>Every rule a generated scenario breaks (none for a valid one), beyond the bank reader's own.</summary>
    public static IReadOnlyList<ScenarioBankViolation> Violations(Scenario scenario)
    {
        var violations = new List<ScenarioBankViolation>();
        foreach (var round in scenario.Rounds)
        {
            if (round.Options.DistinctBy(o => (o.Ko.Trim(), o.En.Trim())).Count() != round.Options.Count)
            {
                violations.Add(new ScenarioBankViolation(scenario.Id, "option_unique", $"rounds[{round.RoundNumber - 1}] repeats an option."));
            }
        }

        var texts = new List<LocalizedText> { scenario.Title, scenario.Summary };
        texts.AddRange(scenario.Rounds.SelectMany(r => r.Options.Append(r.Title).Append(r.Dilemma).Concat(r.RoleContexts.Values.SelectMany(c => new[] { c.Context, c.Question }))));
        if (texts.Any(t => t.Ko.Length > MaxTextLength || t.En.Length > MaxTextLength))
        {
            violations.Add(new ScenarioBankViolation(scenario.Id, "text_length", $"A text is longer than {MaxTextLength} characters."));
        }

        return violations;
    }

    /// <summary>The scenario with its content-derived id (<c>gen-</c> + 16 hex digits), version and source.</summary>
    public static Scenario Identify(Scenario scenario, string source)
    {
        var content = JsonSerializer.SerializeToUtf8Bytes(new { scenario.Topic, scenario.Title, scenario.Summary, scenario.Rounds, source }, HashOptions);
        var hash = Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 8));
        return scenario with { Id = AiRules.GeneratedIdPrefix + hash, Version = hash, Source = source };
    }

    /// <summary>A model's answer as a JSON object; a Markdown code fence around it is forgiven.</summary>
    /// <exception cref="InvalidModelAnswerException">Not a JSON object.</exception>
    public static JsonObject ParseObject(string? answer)
    {
        if (string.IsNullOrWhiteSpace(answer))
        {
            throw new InvalidModelAnswerException("The answer is empty.");
        }

        if (answer.Length > MaxAnswerLength)
        {
            throw new InvalidModelAnswerException($"The answer is longer than {MaxAnswerLength} characters.");
        }

        var text = answer.Trim();
        if (text.StartsWith("```", StringComparison.Ordinal))
        {
            var firstLine = text.IndexOf('\n', StringComparison.Ordinal);
            var end = text.LastIndexOf("```", StringComparison.Ordinal);
            text = firstLine > 0 && end > firstLine ? text[(firstLine + 1)..end] : text;
        }

        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                ?? throw new InvalidModelAnswerException("The answer is JSON but not an object.");
        }
        catch (JsonException e)
        {
            throw new InvalidModelAnswerException($"The answer is not JSON: {e.Message}");
        }
    }
}

/// <summary>A model answered, but not with what was asked for; the facilitator asks once more, then falls back.</summary>
public sealed class InvalidModelAnswerException : Exception
{
    public InvalidModelAnswerException()
    {
    }

    public InvalidModelAnswerException(string message)
        : base(message)
    {
    }

    public InvalidModelAnswerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
