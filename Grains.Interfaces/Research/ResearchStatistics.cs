namespace Dilemma.Grains.Interfaces.Research;

/// <summary>
/// Figures across every room, or the rooms of one study's sessions (<see cref="Study"/>), for researchers. Individual choices of participants without data
/// consent are left out of every figure, as they are left out of the export. A round in which a bot chose (it took a
/// seat someone left) is counted in <see cref="TopicFigures.RoundsCompleted"/> and <see cref="TopicFigures.RoundsWithBots"/>
/// but in no other figure: its majority and its group decision were not people's alone.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.research-statistics")]
public sealed record ResearchStatistics(
    [property: Id(0)] IReadOnlyList<TopicFigures> Topics,
    [property: Id(1)] IReadOnlyList<RoleFigures> Roles,
    [property: Id(2)] DateTimeOffset ComputedAt,
    [property: Id(3)] string? Study = null);

/// <summary>
/// One topic: its rooms, and over its completed rounds how often the group followed the
/// majority of the individual choices (a majority is an option at least half-plus-one chose).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.topic-figures")]
public sealed record TopicFigures(
    [property: Id(0)] string Topic,
    [property: Id(1)] long Rooms,
    [property: Id(2)] long FinishedRooms,
    [property: Id(3)] long RoundsCompleted,
    [property: Id(4)] long RoundsWithMajority,
    [property: Id(5)] long FollowedMajority,
    [property: Id(6)] long Unanimous,
    [property: Id(7)] double? FollowedMajorityRate,
    [property: Id(8)] double? MeanConsensusConfidence,
    [property: Id(9)] long RoundsWithBots = 0);

/// <summary>
/// One role across rooms: the agreement index is the share of its completed-round choices that
/// the group's consensus matched; the confidence shift is consensus minus individual confidence.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.role-figures")]
public sealed record RoleFigures(
    [property: Id(0)] int RoleId,
    [property: Id(1)] string RoleName,
    [property: Id(2)] long Choices,
    [property: Id(3)] double? AgreementIndex,
    [property: Id(4)] double? MeanConfidence,
    [property: Id(5)] double? MeanConfidenceShift);

/// <summary>One study label as sessions were given it, with what its sessions opened.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.study-summary")]
public sealed record StudySummary(
    [property: Id(0)] string StudyLabel,
    [property: Id(1)] long Sessions,
    [property: Id(2)] long Rooms,
    [property: Id(3)] long FinishedRooms,
    [property: Id(4)] DateTimeOffset FirstRoomAt,
    [property: Id(5)] DateTimeOffset LastRoomAt);

/// <summary>The studies whose rooms were played most recently, at most <see cref="MaxItems"/>, and how many there are in all.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.study-list")]
public sealed record StudyList(
    [property: Id(0)] IReadOnlyList<StudySummary> Items,
    [property: Id(1)] long Total)
{
    public const int MaxItems = 200;
}

/// <summary>Computes <see cref="ResearchStatistics"/> from the research tables. Stateless; use key 0.</summary>
public interface IResearchStatisticsGrain : IGrainWithIntegerKey
{
    Task<ResearchStatistics> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>The same figures over the rooms of the sessions given <paramref name="study"/> as their study label.</summary>
    Task<ResearchStatistics> GetForStudyAsync(string study, CancellationToken cancellationToken = default);

    Task<StudyList> ListStudiesAsync(CancellationToken cancellationToken = default);
}
