using Dilemma.Grains.Ai;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Rooms;
using Dilemma.Grains.Scenarios;

namespace Dilemma.Tests.Ai;

/// <summary>Rule-based feedback: the figures follow from the recorded choices, and the words from the figures.</summary>
public sealed class FeedbackRulesTests
{
    private static readonly Grains.Interfaces.Scenarios.Scenario Scenario = ScenarioBank.LoadEmbedded().FindByTopic("medication-ai")!;

    [Fact]
    public void A_round_that_follows_the_majority_names_who_moved_and_whose_view_prevailed()
    {
        var statistics = Statistics((1, [(1, 0, 3), (2, 0, 3), (3, 1, 3)], 0, 5));

        var analysis = FeedbackRules.Analyse(statistics, Scenario, 1, null);

        var round = Assert.Single(analysis.Figures.Rounds);
        Assert.Equal(FeedbackRules.Majority, round.Agreement);
        Assert.True(round.FollowedMajority);
        Assert.Equal([3], round.MovedRoles);
        Assert.Equal([1, 2], round.PrevailingRoles);
        Assert.Equal(2.0, round.ConfidenceShift);
        Assert.Equal(["agreement", "movement", "prevailing_view", "confidence"], analysis.Text.Points.Select(p => p.Kind));
        Assert.Contains("went with that majority", analysis.Text.Points[0].Text.En, StringComparison.Ordinal);
        Assert.Contains("AI developer", analysis.Text.Points[1].Text.En, StringComparison.Ordinal);
        Assert.Contains("AI 개발자", analysis.Text.Points[1].Text.Ko, StringComparison.Ordinal);
        Assert.Contains("caregiver and family member", analysis.Text.Points[2].Text.En, StringComparison.Ordinal);
        Assert.Contains("more confident", analysis.Text.Points[3].Text.En, StringComparison.Ordinal);
        Assert.Contains(Scenario.Rounds[0].Options[0].En, analysis.Text.Summary.En, StringComparison.Ordinal);
        Assert.Null(analysis.Figures.Transcript);
    }

    [Fact]
    public void A_split_round_decided_for_one_role_says_that_role_prevailed()
    {
        // Round 3 of this scenario has four options, so three people can all differ.
        var statistics = Statistics((2, [(1, 0, 3), (2, 0, 3), (3, 0, 3)], 1, 3), (3, [(1, 0, 4), (2, 1, 4), (3, 2, 4)], 1, 2));

        var split = FeedbackRules.Analyse(statistics, Scenario, 3, null);
        var overruled = FeedbackRules.Analyse(statistics, Scenario, 2, null);

        Assert.Equal(FeedbackRules.Split, split.Figures.Rounds[0].Agreement);
        Assert.Null(split.Figures.Rounds[0].FollowedMajority);
        Assert.Equal([2], split.Figures.Rounds[0].PrevailingRoles);
        Assert.Equal([1, 3], split.Figures.Rounds[0].MovedRoles);
        Assert.Contains("family member's view", split.Text.Points[2].Text.En, StringComparison.Ordinal);
        Assert.Contains("less confident", split.Text.Points[3].Text.En, StringComparison.Ordinal);

        Assert.Equal(FeedbackRules.Unanimous, overruled.Figures.Rounds[0].Agreement);
        Assert.Empty(overruled.Figures.Rounds[0].PrevailingRoles);
        Assert.Equal([1, 2, 3], overruled.Figures.Rounds[0].MovedRoles);
        Assert.Contains("yet together you settled on another one", overruled.Text.Points[0].Text.En, StringComparison.Ordinal);
        Assert.Contains("nobody's first choice", overruled.Text.Points[2].Text.En, StringComparison.Ordinal);
    }

    [Fact]
    public void The_whole_game_names_the_role_that_prevailed_most_and_least_and_reads_the_transcript()
    {
        // The family member's choice wins rounds 1-4; the AI developer's only round 5; the caregiver never.
        var statistics = Statistics(
            (1, [(1, 0, 3), (2, 1, 4), (3, 0, 2)], 1, 4),
            (2, [(1, 0, 3), (2, 1, 4), (3, 0, 2)], 1, 4),
            (3, [(1, 0, 3), (2, 1, 4), (3, 0, 2)], 1, 4),
            (4, [(1, 0, 3), (2, 1, 4), (3, 0, 2)], 1, 4),
            (5, [(1, 0, 3), (2, 0, 4), (3, 1, 2)], 1, 4));
        var transcript = "Minji: I think we should wait.\nMinji: Really.\nJun: Maybe.\nMinji: Yes.\nMinji: Again.\nSora: Hm.\nMinji: Final.";

        var analysis = FeedbackRules.Analyse(statistics, Scenario, null, transcript);

        Assert.Equal(5, analysis.Figures.RoundsCovered);
        Assert.Equal([2], analysis.Figures.PrevailingRoles);
        Assert.Equal([0, 4, 1], analysis.Figures.Roles.Select(r => r.RoundsPrevailed));
        Assert.Equal([5, 1, 4], analysis.Figures.Roles.Select(r => r.RoundsMoved));
        var points = analysis.Text.Points.Select(p => p.Text.En).ToList();
        Assert.Contains(points, p => p.Contains("matched the family member's own choice most often (4 of 5)", StringComparison.Ordinal));
        Assert.Contains(points, p => p.Contains("The caregiver's own choice became the group's answer least often (0 of 5)", StringComparison.Ordinal));
        Assert.Contains(points, p => p.Contains("The caregiver moved toward the group most often (5 times)", StringComparison.Ordinal));
        var speakers = analysis.Figures.Transcript!;
        Assert.Equal(7, speakers.Turns);
        Assert.Equal(transcript.Length, speakers.Characters);
        Assert.Equal(("Minji", 5), (speakers.Speakers[0].Speaker, speakers.Speakers[0].Turns));
        Assert.Contains(analysis.Text.Points, p => p.Kind == "discussion" && p.Text.En.StartsWith("Minji took 71% of the 7 turns", StringComparison.Ordinal));
    }

    [Fact]
    public void A_transcript_without_speaker_lines_is_counted_but_not_split_into_turns()
    {
        var analysis = FeedbackRules.Analyse(Statistics((1, [(1, 0, 3), (2, 0, 3), (3, 0, 3)], 0, 3)), Scenario, 1, "we talked for a long time and agreed");

        Assert.Equal(0, analysis.Figures.Transcript!.Turns);
        Assert.Contains(analysis.Text.Points, p => p.Kind == "discussion" && p.Text.En.Contains("'name: text'", StringComparison.Ordinal));
    }

    /// <summary>A room's statistics through the room's own calculator: (round, [(role, choice, confidence)], consensus, consensus confidence).</summary>
    private static RoomStatistics Statistics(params (int Round, (int Role, int Choice, int Confidence)[] Choices, int Consensus, int Confidence)[] rounds)
    {
        var state = new RoomState
        {
            Created = true,
            Code = "000001",
            Topic = Scenario.Topic,
            Phase = RoomPhase.Started,
            Participants = Enumerable.Range(1, 3).Select(role => new ParticipantState { UserId = 100 + role, Nickname = $"p{role}", RoleId = role }).ToList(),
            Rounds = Enumerable.Range(1, RoomRules.Rounds).Select(n => new RoundState { RoundNumber = n }).ToList(),
        };
        foreach (var round in rounds)
        {
            var stored = state.Rounds[round.Round - 1];
            stored.Choices = round.Choices.Select(c => new ChoiceState { UserId = 100 + c.Role, Choice = c.Choice, Confidence = c.Confidence, Revision = 1 }).ToList();
            stored.Consensus = new ConsensusState { Choice = round.Consensus, Confidence = round.Confidence, SubmittedBy = 101 };
        }

        return RoomStatisticsCalculator.Compute(state, Scenario);
    }
}
