namespace Dilemma.Grains.Interfaces.Scenarios;

/// <summary>
/// A dilemma scenario: five rounds, each a dilemma with two to four options and a context and a
/// question for each of the three roles. A room fixes its scenario when it is created.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.scenario")]
public sealed record Scenario(
    [property: Id(0)] string Id,
    [property: Id(1)] string Topic,
    [property: Id(2)] LocalizedText Title,
    [property: Id(3)] LocalizedText Summary,
    [property: Id(4)] IReadOnlyList<ScenarioRound> Rounds,
    [property: Id(5)] string Version,
    [property: Id(6)] string Source);

/// <summary>One round's dilemma. <see cref="RoleContexts"/> has one entry for each role id 1, 2, 3.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.scenario-round")]
public sealed record ScenarioRound(
    [property: Id(0)] int RoundNumber,
    [property: Id(1)] LocalizedText Title,
    [property: Id(2)] LocalizedText Dilemma,
    [property: Id(3)] IReadOnlyList<LocalizedText> Options,
    [property: Id(4)] IReadOnlyDictionary<int, RoleContext> RoleContexts);

/// <summary>What one role sees of a round: its situation and the question put to it.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.role-context")]
public sealed record RoleContext(
    [property: Id(0)] LocalizedText Context,
    [property: Id(1)] LocalizedText Question);

/// <summary>Text in Korean and English; every scenario carries both.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.localized-text")]
public sealed record LocalizedText(
    [property: Id(0)] string Ko,
    [property: Id(1)] string En)
{
    /// <summary>The text in <paramref name="language"/> ("ko" or "en"); Korean for anything else, as the original.</summary>
    public string In(string? language) => language is not null && language.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? En : Ko;
}

/// <summary>A topic that has a scenario, as <c>GET /topics</c> lists it.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.topic-summary")]
public sealed record TopicSummary(
    [property: Id(0)] string Topic,
    [property: Id(1)] LocalizedText Title,
    [property: Id(2)] LocalizedText Summary,
    [property: Id(3)] string ScenarioId);
