using System.Globalization;
using System.Text.RegularExpressions;
using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;

namespace Dilemma.Grains.Ai;

/// <summary>
/// Rule-based feedback from a room's statistics, with no model involved: how far the three agreed,
/// who moved toward the group's answer, how confidence changed from alone to together, and whose
/// view prevailed; and, from a transcript written as <c>name: text</c> lines, who spoke how often.
/// The figures are returned with every feedback, whichever provider wrote the words.
/// </summary>
public static partial class FeedbackRules
{
    public const string Unanimous = "unanimous";
    public const string Majority = "majority";
    public const string Split = "split";

    /// <summary>A shift of confidence smaller than this (on the 1–5 scale) counts as no change.</summary>
    public const double ConfidenceThreshold = 0.5;

    /// <summary>One speaker with more than this share of at least <see cref="MinTurnsForBalance"/> turns dominated.</summary>
    public const double DominantShare = 0.5;

    public const int MinTurnsForBalance = 6;

    /// <summary>The figures and the offline feedback for <paramref name="roundNumber"/>, or for every completed round when null.</summary>
    public static FeedbackAnalysis Analyse(RoomStatistics statistics, Scenario scenario, int? roundNumber, string? transcript)
    {
        var covered = statistics.Rounds.Where(r => r.Completed && (roundNumber is null || r.RoundNumber == roundNumber)).ToList();
        var rounds = covered.Select(RoundOf).ToList();
        var roles = Enumerable.Range(RoomRules.MinRole, RoomRules.MaxRole).Select(roleId => new RoleFigures(
            roleId,
            RoomRules.RoleName(roleId),
            rounds.Count(r => r.PrevailingRoles.Contains(roleId)),
            rounds.Count(r => r.MovedRoles.Contains(roleId)),
            Mean(covered.SelectMany(r => r.Choices).Where(c => c.RoleId == roleId).Select(c => (double)c.Confidence)))).ToList();
        var best = roles.Max(r => r.RoundsPrevailed);
        var prevailing = best == 0 ? [] : roles.Where(r => r.RoundsPrevailed == best).Select(r => r.RoleId).ToList();
        var transcriptFigures = Transcript(transcript);
        var figures = new FeedbackFigures(rounds.Count, rounds, roles, Mean(rounds.Where(r => r.ConfidenceShift is not null).Select(r => r.ConfidenceShift!.Value)), prevailing, transcriptFigures);

        var points = new List<FeedbackPoint>();
        LocalizedText summary;
        if (roundNumber is not null && rounds.Count == 1)
        {
            var round = rounds[0];
            var options = scenario.Rounds[round.RoundNumber - 1].Options;
            var agreement = AgreementText(round, covered[0]);
            points.Add(new FeedbackPoint("agreement", agreement));
            points.Add(new FeedbackPoint("movement", MovementText(round.MovedRoles)));
            points.Add(new FeedbackPoint("prevailing_view", PrevailingText(round.PrevailingRoles)));
            points.Add(new FeedbackPoint("confidence", ConfidenceText(round.ConfidenceShift)));
            var chosen = round.ConsensusChoice < options.Count ? options[round.ConsensusChoice] : new LocalizedText("?", "?");
            summary = Join(
                new LocalizedText($"라운드 {round.RoundNumber}: 모둠의 결정은 “{chosen.Ko}”입니다.", $"Round {round.RoundNumber}: the group decided “{chosen.En}”."),
                agreement);
        }
        else
        {
            summary = GameSummary(rounds);
            points.Add(new FeedbackPoint("agreement", summary));
            points.AddRange(GamePoints(roles, rounds.Count));
            points.Add(new FeedbackPoint("confidence", ConfidenceText(figures.MeanConfidenceShift)));
        }

        points.AddRange(TranscriptPoints(transcriptFigures));
        return new FeedbackAnalysis(figures, new FeedbackText(summary, points));
    }

    /// <summary>Korean and English names of a role, as feedback writes them.</summary>
    public static LocalizedText RoleLabel(int roleId) => roleId switch
    {
        1 => new LocalizedText("요양보호사", "caregiver"),
        2 => new LocalizedText("가족", "family member"),
        3 => new LocalizedText("AI 개발자", "AI developer"),
        _ => new LocalizedText("참가자", "participant"),
    };

    private static RoundFigures RoundOf(RoundStatistics round)
    {
        var agreement = round.Unanimous == true ? Unanimous : round.MajorityChoice is not null ? Majority : Split;
        var roles = round.Choices.Where(c => c.RoleId is not null).ToList();
        return new RoundFigures(
            round.RoundNumber,
            agreement,
            round.FollowedMajority,
            roles.Where(c => c.ChangedPosition).Select(c => c.RoleId!.Value).Order().ToList(),
            roles.Where(c => c.Choice == round.ConsensusChoice).Select(c => c.RoleId!.Value).Order().ToList(),
            round.ConfidenceShift,
            round.ConsensusChoice ?? 0);
    }

    private static LocalizedText AgreementText(RoundFigures round, RoundStatistics statistics) => round.Agreement switch
    {
        Unanimous when statistics.Choices.All(c => c.Choice == statistics.ConsensusChoice) => new(
            "세 사람 모두 혼자서 같은 선택지를 골랐고, 모둠도 그 선택을 지켰습니다.",
            "All three of you chose the same option alone, and the group kept it."),
        Unanimous => new(
            "세 사람 모두 혼자서는 같은 선택지를 골랐지만, 함께 논의한 뒤에는 다른 선택지로 정했습니다.",
            "All three of you chose the same option alone, yet together you settled on another one."),
        Majority when round.FollowedMajority == true => new(
            "처음부터 두 사람의 선택이 같았고, 모둠은 그 다수 의견을 따랐습니다.",
            "Two of you chose alike from the start, and the group went with that majority."),
        Majority => new(
            "처음에는 두 사람의 선택이 같았지만, 모둠은 소수 의견을 택하거나 다른 선택지를 찾았습니다.",
            "Two of you chose alike at first, but the group took the minority view or found another option."),
        _ => new(
            "세 사람이 각자 다른 선택지를 골랐기에, 모둠은 세 관점에서 답을 만들어야 했습니다.",
            "Each of you chose a different option alone, so the group had to build its answer from three views."),
    };

    private static LocalizedText MovementText(IReadOnlyList<int> moved) => moved.Count == 0
        ? new("누구도 자기 선택을 양보할 필요가 없었습니다.", "Nobody had to give up their own choice.")
        : new($"모둠의 결정 쪽으로 생각을 옮긴 사람: {Roles(moved).Ko}.", $"Moved toward the group's answer: the {Roles(moved).En}.");

    private static LocalizedText PrevailingText(IReadOnlyList<int> prevailing) => prevailing.Count switch
    {
        0 => new("최종 결정은 누구의 처음 선택도 아니었습니다. 논의가 새로운 답을 만들어 냈습니다.", "The final answer was nobody's first choice: the discussion produced something new."),
        RoomRules.Capacity => new("최종 결정은 세 사람 모두의 처음 선택과 같았습니다.", "The final answer was everyone's own first choice."),
        _ => new($"{Roles(prevailing).Ko}의 관점이 모둠의 결정이 되었습니다.", $"The {Roles(prevailing).En}'s view became the group's answer."),
    };

    private static LocalizedText ConfidenceText(double? shift)
    {
        if (shift is not { } value)
        {
            return new("확신도의 변화를 계산할 수 있는 라운드가 없습니다.", "There is no round to compare confidence in.");
        }

        var signed = value.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture);
        return value >= ConfidenceThreshold
            ? new($"함께 정한 답에 대한 확신도가 각자 선택할 때의 평균보다 높았습니다({signed}).", $"The group was more confident together than you were, on average, alone ({signed}).")
            : value <= -ConfidenceThreshold
                ? new($"함께 정한 답에 대한 확신도가 각자 선택할 때의 평균보다 낮았습니다({signed}). 논의에서 생긴 의문을 기록해 둘 만합니다.", $"The group was less confident together than you were, on average, alone ({signed}): the doubts the discussion raised are worth noting.")
                : new($"각자의 확신도와 모둠의 확신도가 거의 같았습니다({signed}).", $"Confidence barely changed between your own choices and the group's ({signed}).");
    }

    private static LocalizedText GameSummary(IReadOnlyList<RoundFigures> rounds)
    {
        var n = rounds.Count;
        var unanimous = rounds.Count(r => r.Agreement == Unanimous);
        var followed = rounds.Count(r => r.FollowedMajority == true);
        var moved = rounds.Count(r => r.MovedRoles.Count > 0);
        return new(
            $"{n}개 라운드에서 만장일치가 {unanimous}번, 다수 의견을 따른 결정이 {followed}번, 누군가 자기 선택을 양보한 결정이 {moved}번 있었습니다.",
            $"Over {Count(n, "round", "rounds")}: {unanimous} unanimous, {followed} that followed the majority, and {moved} in which someone gave up their own choice.");
    }

    /// <summary>A count with its English noun, singular for one.</summary>
    private static string Count(int count, string one, string other) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {(count == 1 ? one : other)}");

    private static IEnumerable<FeedbackPoint> GamePoints(IReadOnlyList<RoleFigures> roles, int rounds)
    {
        var most = roles.Max(r => r.RoundsPrevailed);
        var least = roles.Min(r => r.RoundsPrevailed);
        var mostRoles = roles.Where(r => r.RoundsPrevailed == most).Select(r => r.RoleId).ToList();
        var leastRoles = roles.Where(r => r.RoundsPrevailed == least).Select(r => r.RoleId).ToList();
        if (most > least)
        {
            yield return new FeedbackPoint("prevailing_view", new(
                $"모둠의 결정은 {Roles(mostRoles).Ko}의 처음 선택과 가장 자주 같았습니다({rounds}개 라운드 중 {most}번).",
                $"The group's answer matched the {Roles(mostRoles).En}'s own choice most often ({most} of {rounds})."));
            yield return new FeedbackPoint("prevailing_view", new(
                $"{Roles(leastRoles).Ko}의 처음 선택은 모둠의 결정이 된 경우가 가장 적었습니다({rounds}개 라운드 중 {least}번). 그 우려가 충분히 다뤄졌는지 돌아보세요.",
                $"The {Roles(leastRoles).En}'s own choice became the group's answer least often ({least} of {rounds}): were those concerns heard?"));
        }
        else
        {
            yield return new FeedbackPoint("prevailing_view", new(
                $"세 역할의 처음 선택이 모둠의 결정이 된 횟수가 같았습니다(각 {most}번).",
                $"Each role's own choice became the group's answer equally often ({most} each)."));
        }

        var movedMost = roles.Max(r => r.RoundsMoved);
        if (movedMost > 0)
        {
            var movers = roles.Where(r => r.RoundsMoved == movedMost).Select(r => r.RoleId).ToList();
            yield return new FeedbackPoint("movement", new(
                $"모둠 쪽으로 생각을 가장 자주 옮긴 사람은 {Roles(movers).Ko}입니다({movedMost}번).",
                $"The {Roles(movers).En} moved toward the group most often ({Count(movedMost, "time", "times")})."));
        }
        else
        {
            yield return new FeedbackPoint("movement", MovementText([]));
        }
    }

    private static TranscriptFigures? Transcript(string? transcript)
    {
        if (string.IsNullOrWhiteSpace(transcript))
        {
            return null;
        }

        var speakers = transcript.Split('\n')
            .Select(line => Turn().Match(line))
            .Where(match => match.Success)
            .Select(match => match.Groups[1].Value.Trim())
            .ToList();
        var shares = speakers
            .GroupBy(name => name, StringComparer.OrdinalIgnoreCase)
            .Select(g => new SpeakerShare(g.First(), g.Count(), Math.Round(g.Count() / (double)speakers.Count, 4)))
            .OrderByDescending(s => s.Turns)
            .ThenBy(s => s.Speaker, StringComparer.Ordinal)
            .ToList();
        return new TranscriptFigures(transcript.Length, speakers.Count, shares);
    }

    private static IEnumerable<FeedbackPoint> TranscriptPoints(TranscriptFigures? transcript)
    {
        if (transcript is null)
        {
            yield break;
        }

        if (transcript.Turns == 0)
        {
            yield return new FeedbackPoint("discussion", new(
                $"대화 기록({transcript.Characters}자)을 받았습니다. 오프라인 진행자는 '이름: 내용' 형식의 줄에서만 발언 수를 셉니다.",
                $"The transcript ({transcript.Characters} characters) was received; the offline facilitator counts turns only in lines written as 'name: text'."));
            yield break;
        }

        var top = transcript.Speakers[0];
        if (transcript.Turns >= MinTurnsForBalance && top.Share > DominantShare)
        {
            var percent = Math.Round(top.Share * 100).ToString(CultureInfo.InvariantCulture);
            yield return new FeedbackPoint("discussion", new(
                $"{top.Speaker} 님이 발언 {transcript.Turns}번 가운데 {percent}%를 차지했습니다. 다른 목소리에도 자리를 내어 주세요.",
                $"{top.Speaker} took {percent}% of the {transcript.Turns} turns: make room for the other voices."));
        }
        else if (transcript.Speakers.Count < RoomRules.Capacity)
        {
            yield return new FeedbackPoint("discussion", new(
                $"대화 기록에는 {transcript.Speakers.Count}명의 발언만 나타납니다. 모두가 말할 기회를 가졌나요?",
                $"Only {transcript.Speakers.Count} speaker(s) appear in the transcript: did everyone get a say?"));
        }
        else
        {
            yield return new FeedbackPoint("discussion", new(
                $"발언 {transcript.Turns}번이 세 사람 사이에 고르게 나뉘었습니다.",
                $"The {transcript.Turns} turns were shared evenly between the three of you."));
        }
    }

    private static LocalizedText Roles(IReadOnlyList<int> roleIds)
    {
        var labels = roleIds.Select(RoleLabel).ToList();
        var english = labels.Count switch
        {
            1 => labels[0].En,
            2 => $"{labels[0].En} and {labels[1].En}",
            _ => string.Join(", ", labels.Take(labels.Count - 1).Select(l => l.En)) + " and " + labels[^1].En,
        };

        // A middle dot joins Korean nouns without choosing between particles that depend on the last syllable.
        return new LocalizedText(string.Join("·", labels.Select(l => l.Ko)), english);
    }

    private static LocalizedText Join(LocalizedText first, LocalizedText second) => new($"{first.Ko} {second.Ko}", $"{first.En} {second.En}");

    private static double? Mean(IEnumerable<double> values)
    {
        var list = values.ToList();
        return list.Count == 0 ? null : Math.Round(list.Average(), 4);
    }

    // "Minji: I think…", "요양보호사: 저는…" (full-width colon too); a name is 1–40 characters without a colon.
    [GeneratedRegex(@"^\s*([^:：\r\n]{1,40}?)\s*[:：]\s*\S", RegexOptions.CultureInvariant)]
    private static partial Regex Turn();
}
