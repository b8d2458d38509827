using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;
using Dilemma.Grains.Research;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// How a room is opened and how quick join picks one, for the lobby (plain requests) and the
/// room-creation grain (requests under an idempotency key): the caller supplies the call to the room.
/// </summary>
internal static class RoomOpening
{
    private const int CodeAttempts = 20;
    private const int QuickJoinCandidates = 10;

    /// <summary>A random six-digit room code; whether it is free, only opening a room under it tells.</summary>
    public static string NewCode() => Random.Shared.Next(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Draws random codes until <paramref name="open"/> finds one free (a room that answers anything but <c>room_exists</c>).</summary>
    public static async Task<RoomSnapshot> UnderFreeCodeAsync(Func<string, Task<RoomSnapshot>> open)
    {
        for (var attempt = 0; attempt < CodeAttempts; attempt++)
        {
            var code = NewCode();
            try
            {
                return await open(code);
            }
            catch (RuleViolationException e) when (e.Code == "room_exists")
            {
                // Taken: draw again. Twenty draws all taken means the code space is nearly full.
            }
        }

        throw NoFreeCode();
    }

    public static RuleViolationException NoFreeCode() => new(RuleViolationKind.Busy, "no_free_room_code", "No free room code was found; try again.");

    /// <summary>
    /// Offers the caller a seat in the fullest public waiting rooms (of the topic) through
    /// <paramref name="join"/>; null when none took them.
    /// </summary>
    public static async Task<RoomSnapshot?> JoinOpenRoomAsync(IResearchStore research, string? topic, Func<string, Task<RoomSnapshot>> join, CancellationToken cancellationToken)
    {
        foreach (var code in await research.FindOpenPublicRoomsAsync(topic, QuickJoinCandidates, cancellationToken))
        {
            try
            {
                return await join(code);
            }
            catch (RuleViolationException e) when (IsSeatGone(e))
            {
                // Someone was faster, or the room closed since the listing was read; the next candidate may still have a seat.
            }
        }

        return null;
    }

    /// <summary>The answers of a room that had a free seat when it was listed and has none now.</summary>
    public static bool IsSeatGone(RuleViolationException e) => e.Code is "room_full" or "room_started" or "room_finished" or "room_not_found";

    /// <summary>The public room quick join opens when no room had a seat: on the topic asked for, else on a random one.</summary>
    public static async Task<RoomCreation> QuickJoinRoomAsync(IGrainFactory grains, long userId, string? nickname, string? topic)
    {
        var topics = await grains.GetGrain<IScenarioCatalogGrain>(0).ListTopicsAsync();
        var chosen = topic is null ? topics[Random.Shared.Next(topics.Count)] : topics.FirstOrDefault(t => t.Topic == topic)
            ?? throw RuleViolationException.Invalid("unknown_topic", "topic", $"There is no scenario for topic '{topic}'; GET /topics lists them.");
        return new RoomCreation(chosen.Title.Ko, chosen.Topic, IsPublic: true, userId, nickname);
    }
}
