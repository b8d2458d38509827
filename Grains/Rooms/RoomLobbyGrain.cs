using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Paging;
using Dilemma.Grains.Research;
using Orleans.Concurrency;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// Opens and finds rooms. It decides nothing a room decides: it proposes codes and seats and
/// lets each room grain accept or refuse. Reentrant: it keeps nothing between calls, and an opening waits on
/// the room for most of its time; one at a time per activation (a worker per core) held every other opening
/// in a queue, seconds long at 1,000 tables, and capped the games a process could start.
/// </summary>
[StatelessWorker]
[Reentrant]
public sealed class RoomLobbyGrain(IResearchStore research) : Grain, IRoomLobbyGrain
{
    public Task<RoomSnapshot> CreateRoomAsync(RoomCreation creation, CancellationToken cancellationToken) =>
        RoomOpening.UnderFreeCodeAsync(code => GrainFactory.GetGrain<IRoomGame>(code).CreateAsync(creation, cancellationToken));

    public async Task<RoomSnapshot> QuickJoinAsync(long userId, string? nickname, string? topic, CancellationToken cancellationToken) =>
        await RoomOpening.JoinOpenRoomAsync(research, topic, code => GrainFactory.GetGrain<IRoomGame>(code).JoinAsync(userId, nickname, cancellationToken), cancellationToken)
        ?? await CreateRoomAsync(await RoomOpening.QuickJoinRoomAsync(GrainFactory, userId, nickname, topic), cancellationToken);

    public async Task<RoomPage> ListRoomsAsync(RoomQuery query, CancellationToken cancellationToken)
    {
        PageRules.ThrowIfInvalid(query.Page, query.PageSize);

        var status = RoomPhases.Word(query.Phase);
        // In long: a page far beyond the rooms (page=200000000) is an empty page, not an int that wrapped negative.
        var offset = (long)(query.Page - 1) * query.PageSize;
        var (rooms, total) = await research.ListPublicRoomsAsync(query.Topic, status, offset, query.PageSize, cancellationToken);
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
