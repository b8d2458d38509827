using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// Each WebRTC link's state as the browsers report it (<c>link_state</c> on the voice socket), for the session
/// monitor. Presence data like the sockets: in memory only, the latest per (user, peer), gone with the activation
/// and reported again by the browsers on their next change; never a research row.
/// </summary>
public sealed partial class RoomGrain
{
    private readonly Dictionary<(long User, long Peer), VoiceLinkView> _links = [];

    public Task ReportLinkStateAsync(long userId, long peerUserId, string state, bool relayed)
    {
        EnsureCreated();
        Seated(userId);
        if (peerUserId == userId || Find(peerUserId) is null)
        {
            throw RuleViolationException.Invalid("invalid_message", "peer_user_id", "peer_user_id is another participant of this room.");
        }

        if (!VoiceLinkStates.IsKnown(state))
        {
            throw RuleViolationException.Invalid("invalid_message", "state", $"state is one of: {string.Join(", ", VoiceLinkStates.All)}.");
        }

        var link = new VoiceLinkView(userId, peerUserId, state, relayed);
        if (_links.GetValueOrDefault((userId, peerUserId)) == link)
        {
            return Task.CompletedTask;
        }

        _links[(userId, peerUserId)] = link;

        // Only the monitors show links: the participants' own sockets hear nothing of it.
        PushToMonitors(Snapshot());
        return Task.CompletedTask;
    }

    /// <summary>The user's links, both ways, end with their last voice socket or their seat.</summary>
    private void ForgetLinks(long userId)
    {
        foreach (var key in _links.Keys.Where(k => k.User == userId || k.Peer == userId).ToList())
        {
            _links.Remove(key);
        }
    }

    private List<VoiceLinkView> Links() => _links.Values.OrderBy(l => l.UserId).ThenBy(l => l.PeerUserId).ToList();
}
