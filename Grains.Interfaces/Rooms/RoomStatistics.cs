namespace Dilemma.Grains.Interfaces.Rooms;

/// <summary>A room's figures: per round, per role, and for the whole game.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.room-statistics")]
public sealed record RoomStatistics(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] string Topic,
    [property: Id(2)] RoomPhase Phase,
    [property: Id(3)] IReadOnlyList<RoundStatistics> Rounds,
    [property: Id(4)] RoomTotals Totals,
    [property: Id(5)] IReadOnlyList<RoleAgreement> RoleAgreement);

/// <summary>
/// One round. Until its consensus is recorded only <see cref="ChosenCount"/> is filled: nobody
/// sees another's choice while the group is still deciding.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.round-statistics")]
public sealed record RoundStatistics(
    [property: Id(0)] int RoundNumber,
    [property: Id(1)] bool Completed,
    [property: Id(2)] int OptionCount,
    [property: Id(3)] int ChosenCount,
    [property: Id(4)] IReadOnlyList<IndividualChoice> Choices,
    [property: Id(5)] IReadOnlyList<int> Distribution,
    [property: Id(6)] double? MeanConfidence,
    [property: Id(7)] int? MajorityChoice,
    [property: Id(8)] int? ConsensusChoice,
    [property: Id(9)] int? ConsensusConfidence,
    [property: Id(10)] bool? FollowedMajority,
    [property: Id(11)] bool? Unanimous,
    [property: Id(12)] double? DistanceToConsensus,
    [property: Id(13)] double? ConfidenceShift);

/// <summary>
/// One participant's choice in a completed round. <see cref="ChangedPosition"/>: the consensus
/// differs from their own choice (they moved toward the group). <see cref="ChangedFromMajority"/>:
/// they chose with the majority and the consensus went elsewhere.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.individual-choice")]
public sealed record IndividualChoice(
    [property: Id(0)] long UserId,
    [property: Id(1)] string Nickname,
    [property: Id(2)] int? RoleId,
    [property: Id(3)] int Choice,
    [property: Id(4)] int Confidence,
    [property: Id(5)] int Revision,
    [property: Id(6)] bool InMajority,
    [property: Id(7)] bool ChangedPosition,
    [property: Id(8)] bool ChangedFromMajority);

/// <summary>How often a role's own choice was the group's final one, over the completed rounds.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.role-agreement")]
public sealed record RoleAgreement(
    [property: Id(0)] int RoleId,
    [property: Id(1)] string RoleName,
    [property: Id(2)] long? UserId,
    [property: Id(3)] int RoundsCompared,
    [property: Id(4)] double? AgreementIndex,
    [property: Id(5)] double? MeanConfidence);

/// <summary>Whole-game figures over the completed rounds.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.room-totals")]
public sealed record RoomTotals(
    [property: Id(0)] int RoundsCompleted,
    [property: Id(1)] int FollowedMajorityCount,
    [property: Id(2)] int UnanimousCount,
    [property: Id(3)] double? MeanIndividualConfidence,
    [property: Id(4)] double? MeanConsensusConfidence,
    [property: Id(5)] double? MeanConfidenceShift);
