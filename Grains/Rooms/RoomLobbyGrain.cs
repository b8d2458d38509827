using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;
using Dilemma.Grains.Paging;
using Dilemma.Grains.Research;
using Orleans.Concurrency;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// Opens and finds rooms. It decides nothing a room decides: it proposes codes and seats and
/// lets each room grain accept or refuse.
/// </summary>
[StatelessWorker]
public sealed class RoomLobbyGrain(IResearchStore research) : Grain, IRoomLobbyGrain
{
    private const int CodeAttempts = 20;
    private const int QuickJoinCandidates = 10;

    public async Task<RoomSnapshot> CreateRoomAsync(RoomCreation creation, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < CodeAttempts; attempt++)
        {
            var code = Random.Shared.Next(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
            try
            {
                return await GrainFactory.GetGrain<IRoomGrain>(code).CreateAsync(creation, cancellationToken);
            }
            catch (RuleViolationException e) when (e.Code == "room_exists")
            {
                // Taken: draw again. Twenty draws all taken means the code space is nearly full.
            }
        }

        throw new RuleViolationException(RuleViolationKind.Busy, "no_free_room_code", "No free room code was found; try again.");
    }

    public async Task<RoomSnapshot> QuickJoinAsync(long userId, string? nickname, string? topic, CancellationToken cancellationToken)
    {
        foreach (var code in await research.FindOpenPublicRoomsAsync(topic, QuickJoinCandidates, cancellationToken))
        {
            try
            {
                return await GrainFactory.GetGrain<IRoomGrain>(code).JoinAsync(userId, nickname, cancellationToken);
            }
            catch (RuleViolationException e) when (e.Code is "room_full" or "room_started" or "room_finished" or "room_not_found")
            {
                // Someone was faster, or the room closed since the listing was read; the next candidate may still have a seat.
            }
        }

        var topics = await GrainFactory.GetGrain<IScenarioCatalogGrain>(0).ListTopicsAsync();
        var chosen = topic is null ? topics[Random.Shared.Next(topics.Count)] : topics.FirstOrDefault(t => t.Topic == topic)
            ?? throw RuleViolationException.Invalid("unknown_topic", "topic", $"There is no scenario for topic '{topic}'; GET /topics lists them.");
        return await CreateRoomAsync(new RoomCreation(chosen.Title.Ko, chosen.Topic, IsPublic: true, userId, nickname), cancellationToken);
    }

    public async Task<RoomPage> ListRoomsAsync(RoomQuery query, CancellationToken cancellationToken)
    {
        PageRules.ThrowIfInvalid(query.Page, query.PageSize);

        var status = query.Phase switch
        {
            RoomPhase.Started => RoomStatus.Started,
            RoomPhase.Finished => RoomStatus.Finished,
            _ => RoomStatus.Waiting,
        };
        var (rooms, total) = await research.ListPublicRoomsAsync(query.Topic, status, (query.Page - 1) * query.PageSize, query.PageSize, cancellationToken);
        var items = rooms.Select(r => new RoomListing(
            r.RoomCode,
            r.Title,
            r.Topic,
            (int)r.ParticipantCount,
            query.Phase,
            new DateTimeOffset(DateTime.SpecifyKind(r.CreatedAt, DateTimeKind.Utc)))).ToList();
        return new RoomPage(items, query.Page, query.PageSize, total);
    }
}
