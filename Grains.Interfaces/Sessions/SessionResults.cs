using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Interfaces.Sessions;

/// <summary>
/// One round of one room, as the session's results count it. <see cref="Confidences"/> go with <see cref="Choices"/>, one each;
/// null from a silo older than them.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session-room-round")]
public sealed record SessionRoomRound(
    [property: Id(0)] int RoundNumber,
    [property: Id(1)] int OptionCount,
    [property: Id(2)] IReadOnlyList<int> Choices,
    [property: Id(3)] int BotChoices,
    [property: Id(4)] int? Consensus,
    [property: Id(5)] bool Closed,
    [property: Id(6)] bool NoConsensus,
    [property: Id(7)] int TimedOut,
    [property: Id(8)] int Absent,
    [property: Id(9)] IReadOnlyList<int>? Confidences = null,
    [property: Id(10)] int? ConsensusConfidence = null);

/// <summary>One room's figures: its phase, its rounds, and its seats that left the game or are bots.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session-room-result")]
public sealed record SessionRoomResult(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] RoomPhase Phase,
    [property: Id(2)] IReadOnlyList<SessionRoomRound> Rounds,
    [property: Id(3)] int DroppedSeats,
    [property: Id(4)] int RemovedSeats,
    [property: Id(5)] int BotSeats);

/// <summary>
/// One round across the session's rooms: how often each option was chosen alone (<see cref="Choices"/>, by option index)
/// and agreed on (<see cref="Consensus"/>), in how many rooms the round closed and how many of those reached a consensus.
/// <see cref="Movement"/>: in the rooms that agreed, how many individual choices of each option (the row) went into a consensus
/// on each option (the column). The confidences are means over the rounds counted (1-5, 4 decimals; null with none).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session-round-results")]
public sealed record SessionRoundResults(
    [property: Id(0)] int RoundNumber,
    [property: Id(1)] IReadOnlyList<int> Choices,
    [property: Id(2)] IReadOnlyList<int> Consensus,
    [property: Id(3)] int RoomsClosed,
    [property: Id(4)] int RoomsWithConsensus,
    [property: Id(5)] double? ConsensusRate,
    [property: Id(6)] int NoConsensus,
    [property: Id(7)] int TimedOut,
    [property: Id(8)] int Absent,
    [property: Id(9)] int BotChoices,
    [property: Id(10)] IReadOnlyList<IReadOnlyList<int>> Movement,
    [property: Id(11)] double? MeanConfidence,
    [property: Id(12)] double? ConsensusConfidence);

/// <summary>A session's statistics across its rooms.</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.session-results")]
public sealed record SessionResults(
    [property: Id(0)] string SessionCode,
    [property: Id(1)] int RoomsTotal,
    [property: Id(2)] int RoomsStarted,
    [property: Id(3)] int RoomsFinished,
    [property: Id(4)] IReadOnlyList<SessionRoundResults> Rounds,
    [property: Id(5)] int DroppedSeats,
    [property: Id(6)] int RemovedSeats,
    [property: Id(7)] int BotSeats);
