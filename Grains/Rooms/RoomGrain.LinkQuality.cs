using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Research;

namespace Dilemma.Grains.Rooms;

/// <summary>
/// The browsers' per-round summaries of their voice links (<c>link_quality</c>), kept for research in
/// <c>connection_quality</c>. The room is the one that knows whether the sender is seated, which rounds
/// have opened and who the peers are, so it checks them before a row is written.
/// </summary>
public sealed partial class RoomGrain
{
    public async Task RecordLinkQualityAsync(long userId, int roundNumber, IReadOnlyList<LinkQuality> links, CancellationToken cancellationToken)
    {
        EnsureCreated();
        var sender = Seated(userId);
        if (IsForgotten(sender))
        {
            // As the withdrawal code's answer once the seat's rows are gone: nothing more is recorded about them here.
            throw RuleViolationException.Gone("research_data_removed", "Your research data from this game was withdrawn; nothing more is recorded about you here.");
        }

        if (State.Phase == RoomPhase.Waiting || roundNumber < 1 || roundNumber > State.CurrentRound)
        {
            throw RuleViolationException.Conflict(
                "wrong_round",
                State.Phase == RoomPhase.Waiting ? "The game has not started: no round to report on." : $"Rounds 1 to {State.CurrentRound} have opened, not round {roundNumber}.");
        }

        // The client reports a round when it sees the round end, so the last round's report comes after the finish and is
        // taken; an earlier round's, reported only now, is not a report made as the game went on.
        if (State.Phase == RoomPhase.Finished && roundNumber != State.CurrentRound)
        {
            throw RuleViolationException.Conflict("wrong_round", $"The game is over: only round {State.CurrentRound}'s report, sent as it ended, is still taken.");
        }

        for (var i = 0; i < links.Count; i++)
        {
            if (links[i].PeerUserId == userId || Find(links[i].PeerUserId) is null)
            {
                throw RuleViolationException.Invalid("invalid_peer", $"links[{i}].peer_user_id", $"User {links[i].PeerUserId} is not another participant of this room.");
            }
        }

        // A report is sent once, and its links to those still in the study are the reporter's own data: a link to someone who
        // withdrew is left out rather than the whole report refused. The erasure only nulled such peers in rows written before.
        var kept = links.Where(link => !IsForgotten(Find(link.PeerUserId)!)).ToList();
        if (kept.Count == 0)
        {
            return;
        }

        var now = Now;
        var rows = kept
            .Select(link => new ConnectionQualityRecord(Code, userId, link.PeerUserId, roundNumber, link.ConnectionState, link.Relayed, link.RoundTripMs, link.JitterMs, link.PacketsReceived, link.PacketsLost, now))
            .ToList();

        // The store, not this activation, knows what was reported: a client reporting again after the room was
        // reactivated (a reload, a lost silo) is refused as one reporting again in the same activation is.
        if (!await research.RecordConnectionQualityAsync(rows, cancellationToken))
        {
            throw RuleViolationException.Conflict("already_reported", $"Round {roundNumber}'s links were already reported.");
        }
    }
}
