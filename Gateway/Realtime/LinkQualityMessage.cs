using System.Text.Json;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Gateway.Realtime;

/// <summary>
/// Reads a <c>link_quality</c> message of the voice socket: <c>round_number</c> and up to two <c>links</c>,
/// each a peer, its <c>RTCPeerConnection</c> state word, whether it is relayed, and the <c>getStats()</c>
/// measures (null or left out when the browser had none). The shape is checked here; whether the round,
/// the peers and the sender belong to the room is the room grain's to say.
/// </summary>
public static class LinkQualityMessage
{
    /// <summary>The report, or the first problem found, naming its field.</summary>
    public static bool TryRead(JsonElement message, out int roundNumber, out IReadOnlyList<LinkQuality> links, out string problem)
    {
        roundNumber = 0;
        links = [];
        if (!message.TryGetProperty("round_number", out var round) || round.ValueKind != JsonValueKind.Number
            || !round.TryGetInt32(out roundNumber) || roundNumber is < 1 or > RoomRules.Rounds)
        {
            problem = $"round_number must be a whole number from 1 to {RoomRules.Rounds}.";
            return false;
        }

        if (!message.TryGetProperty("links", out var array) || array.ValueKind != JsonValueKind.Array
            || array.GetArrayLength() is < 1 or > LinkQualityRules.MaxLinks)
        {
            problem = $"links must be an array of 1 to {LinkQualityRules.MaxLinks} links.";
            return false;
        }

        var read = new List<LinkQuality>();
        var index = 0;
        foreach (var link in array.EnumerateArray())
        {
            if (!TryReadLink(link, $"links[{index}]", out var quality, out problem))
            {
                return false;
            }

            if (read.Any(r => r.PeerUserId == quality.PeerUserId))
            {
                problem = $"links[{index}].peer_user_id repeats a peer: one link per peer.";
                return false;
            }

            read.Add(quality);
            index++;
        }

        links = read;
        problem = string.Empty;
        return true;
    }

    private static bool TryReadLink(JsonElement link, string at, out LinkQuality quality, out string problem)
    {
        quality = null!;
        if (link.ValueKind != JsonValueKind.Object)
        {
            problem = $"{at} must be an object.";
            return false;
        }

        if (!link.TryGetProperty("peer_user_id", out var peer) || peer.ValueKind != JsonValueKind.Number || !peer.TryGetInt64(out var peerUserId) || peerUserId < 1)
        {
            problem = $"{at}.peer_user_id must be a user id.";
            return false;
        }

        if (!link.TryGetProperty("connection_state", out var stateElement) || stateElement.ValueKind != JsonValueKind.String
            || !LinkQualityRules.ConnectionStates.Contains(stateElement.GetString()!))
        {
            problem = $"{at}.connection_state must be one of {string.Join(", ", LinkQualityRules.ConnectionStates)}.";
            return false;
        }

        if (!link.TryGetProperty("relayed", out var relayed) || relayed.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            problem = $"{at}.relayed must be true or false.";
            return false;
        }

        if (!TryReadMilliseconds(link, "round_trip_ms", out var roundTrip))
        {
            problem = $"{at}.round_trip_ms must be null or a number of milliseconds from 0 to {LinkQualityRules.MaxMilliseconds}.";
            return false;
        }

        if (!TryReadMilliseconds(link, "jitter_ms", out var jitter))
        {
            problem = $"{at}.jitter_ms must be null or a number of milliseconds from 0 to {LinkQualityRules.MaxMilliseconds}.";
            return false;
        }

        if (!TryReadCount(link, "packets_received", 0, out var received))
        {
            problem = $"{at}.packets_received must be null or a whole number from 0.";
            return false;
        }

        // RTP's cumulative loss may be negative (duplicated packets count against it, RFC 3550 6.4.1): taken as sent.
        if (!TryReadCount(link, "packets_lost", long.MinValue, out var lost))
        {
            problem = $"{at}.packets_lost must be null or a whole number.";
            return false;
        }

        quality = new LinkQuality(peerUserId, stateElement.GetString()!, relayed.GetBoolean(), roundTrip, jitter, received, lost);
        problem = string.Empty;
        return true;
    }

    private static bool TryReadMilliseconds(JsonElement link, string name, out double? value)
    {
        value = null;
        if (!link.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var number) || !double.IsFinite(number)
            || number is < 0 or > LinkQualityRules.MaxMilliseconds)
        {
            return false;
        }

        value = number;
        return true;
    }

    private static bool TryReadCount(JsonElement link, string name, long minimum, out long? value)
    {
        value = null;
        if (!link.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var number) || number < minimum)
        {
            return false;
        }

        value = number;
        return true;
    }
}
