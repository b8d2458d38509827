using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Interfaces.Scenarios;
using Dilemma.Grains.Scenarios;

namespace Dilemma.Grains.Ai;

/// <summary>
/// The facilitator with no network: scenarios are the bank's, varied deterministically by a seed
/// (options reordered, role questions drawn from the curated ones); questions come from the curated
/// templates for the topic, round and role; feedback is <see cref="FeedbackRules"/>. It is the
/// default provider and the fallback of every other.
/// </summary>
public sealed class OfflineFacilitator(ScenarioBank bank, QuestionTemplates templates) : IFacilitator
{
    /// <summary>How many questions a role gets.</summary>
    public const int QuestionCount = 3;

    public AiProvenance Provenance => new(AiRules.OfflineProvider, null, false, null, 0, $"offline-{templates.Version}");

    public Task<FacilitatorAnswer<Scenario>> GenerateScenarioAsync(ScenarioBrief brief, CancellationToken cancellationToken) =>
        Task.FromResult(new FacilitatorAnswer<Scenario>(Vary(BaseFor(brief), brief.Seed), Provenance));

    public Task<FacilitatorAnswer<IReadOnlyList<LocalizedText>>> AskAsync(QuestionBrief brief, CancellationToken cancellationToken) =>
        Task.FromResult(new FacilitatorAnswer<IReadOnlyList<LocalizedText>>(Questions(brief), Provenance));

    public Task<FacilitatorAnswer<FeedbackText>> GiveFeedbackAsync(FeedbackBrief brief, CancellationToken cancellationToken) =>
        Task.FromResult(new FacilitatorAnswer<FeedbackText>(brief.Analysis.Text, Provenance));

    public Task<FacilitatorAnswer<BotChoice>> ChooseForBotAsync(BotBrief brief, CancellationToken cancellationToken) =>
        Task.FromResult(new FacilitatorAnswer<BotChoice>(BotChoices.Offline(brief), Provenance with { PromptVersion = "offline-bot-rule" }));

    /// <summary>The bank scenario a brief varies: its topic's, or one the seed picks when the topic has none.</summary>
    public Scenario BaseFor(ScenarioBrief brief) =>
        brief.Topic is not null && bank.FindByTopic(brief.Topic) is { } scenario
            ? scenario
            : bank.FindByTopic(bank.Topics[(int)((uint)brief.Seed % (uint)bank.Topics.Count)].Topic)!;

    /// <summary>
    /// The same seed gives the same scenario (and so the same id) on every silo and every run:
    /// <see cref="Random(int)"/> with a seed is a fixed sequence by contract.
    /// </summary>
    public Scenario Vary(Scenario scenario, int seed)
    {
        var random = new Random(seed);
        var rounds = scenario.Rounds.Select(round =>
        {
            var order = Enumerable.Range(0, round.Options.Count).ToArray();
            random.Shuffle(order);
            var roles = round.RoleContexts.OrderBy(r => r.Key).ToDictionary(
                role => role.Key,
                role => templates.Curated(scenario.Topic, round.RoundNumber, role.Key) is { } curated && random.Next(2) == 1
                    ? role.Value with { Question = curated }
                    : role.Value);
            return round with { Options = order.Select(i => round.Options[i]).ToArray(), RoleContexts = roles };
        }).ToArray();
        return GeneratedScenarios.Identify(scenario with { Rounds = rounds }, GeneratedScenarios.OfflineSource);
    }

    /// <summary>
    /// Three questions for one role, all its own: the scenario's question to that role, the curated
    /// one for the topic's round, and one about an option seen from that role (a plain one for the
    /// role stands in when the topic has no curated question).
    /// </summary>
    public IReadOnlyList<LocalizedText> Questions(QuestionBrief brief)
    {
        var round = brief.Round;
        var option = round.Options[(brief.RoundNumber + brief.RoleId) % round.Options.Count];
        var candidates = new List<LocalizedText?>
        {
            round.RoleContexts[brief.RoleId].Question,
            templates.Curated(brief.Scenario.Topic, brief.RoundNumber, brief.RoleId),
            templates.AboutOption(brief.RoleId, brief.RoundNumber, option),
            templates.Plain(brief.RoleId, brief.RoundNumber),
        };

        // A varied scenario may already ask the curated question; never ask the same thing twice.
        return candidates.OfType<LocalizedText>().DistinctBy(q => q.En).Take(QuestionCount).ToList();
    }
}
