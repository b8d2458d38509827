namespace Dilemma.Gateway.Research;

/// <summary>Counts of the research tables, each from one query of one statement.</summary>
public sealed record ResearchCountsResponse(
    long Users,
    long Guests,
    long RegisteredUsers,
    long UsersWithDataConsent,
    RoomCountsResponse Rooms,
    long Participants,
    long ParticipantsLeft,
    long RoundChoices,
    long ConsensusChoices,
    long RecordingEvents,
    long Exports,
    DateTimeOffset CountedAt);

public sealed record RoomCountsResponse(long Total, long Waiting, long Started, long Finished);
