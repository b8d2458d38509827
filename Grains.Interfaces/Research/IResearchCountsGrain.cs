using Orleans.Concurrency;

namespace Dilemma.Grains.Interfaces.Research;

/// <summary>Row counts of the research tables, for researchers checking what an export should hold. Use key 0.</summary>
public interface IResearchCountsGrain : IGrainWithIntegerKey
{
    [ReadOnly]
    Task<ResearchCounts> GetCountsAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// Counts as of one moment (one statement): users, rooms by phase, seats and decisions. <see cref="Users"/>, <see cref="Guests"/> and
/// <see cref="UsersWithDataConsent"/> count people only: a bot is a guest-like account row, and counted among them it would pass for
/// a person in a study's numbers. Bots are counted apart, as are their seats and choices (which the seat and choice counts include,
/// as the participants and decisions sheets hold their rows, marked is_bot).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.research-counts")]
public sealed record ResearchCounts(
    [property: Id(0)] long Users,
    [property: Id(1)] long Guests,
    [property: Id(2)] long UsersWithDataConsent,
    [property: Id(3)] long RoomsWaiting,
    [property: Id(4)] long RoomsStarted,
    [property: Id(5)] long RoomsFinished,
    [property: Id(6)] long Participants,
    [property: Id(7)] long ParticipantsLeft,
    [property: Id(8)] long RoundChoices,
    [property: Id(9)] long ConsensusChoices,
    [property: Id(10)] long RecordingEvents,
    [property: Id(11)] long Exports,
    [property: Id(12)] DateTimeOffset CountedAt,
    [property: Id(13)] long Bots = 0,
    [property: Id(14)] long BotSeats = 0,
    [property: Id(15)] long BotRoundChoices = 0);
