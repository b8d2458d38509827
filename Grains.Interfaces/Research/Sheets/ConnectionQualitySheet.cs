namespace Dilemma.Grains.Interfaces.Research;

/// <summary>One participant's summary of one voice link over one round (<c>connection_quality</c>).</summary>
[GenerateSerializer]
[Immutable]
[Alias("dilemma.connection-quality-export-row")]
public sealed record ConnectionQualityExportRow(
    [property: Id(0)] string RoomCode,
    [property: Id(1)] long UserId,
    [property: Id(2)] long? PeerUserId,
    [property: Id(3)] int RoundNumber,
    [property: Id(4)] string ConnectionState,
    [property: Id(5)] bool Relayed,
    [property: Id(6)] double? RoundTripMs,
    [property: Id(7)] double? JitterMs,
    [property: Id(8)] long? PacketsReceived,
    [property: Id(9)] long? PacketsLost,
    [property: Id(10)] DateTime At);

/// <summary>The <c>connection_quality</c> sheet: the per-round link summaries the browser client sends.</summary>
public static class ConnectionQualitySheet
{
    public static ExportSheet<ConnectionQualityExportRow> Sheet { get; } = new("connection_quality",
    [
        new("room_code", ExportValueKind.Text, "The room (see the rooms sheet).", r => ExportValue.Of(r.RoomCode)),
        new("user_id", ExportValueKind.Number, "The participant whose browser measured the link; only participants with data consent.", r => ExportValue.Of(r.UserId))
        {
            UserIds = static (r, pseudonym) => r with { UserId = pseudonym(r.UserId) },
        },
        new("peer_user_id", ExportValueKind.Number, "The other end of the link; empty when that participant gave no data consent, withdrew, or their seat was removed under retention (the measures stay the reporter's).", r => ExportValue.Of(r.PeerUserId))
        {
            UserIds = static (r, pseudonym) => r with { PeerUserId = r.PeerUserId is { } id ? pseudonym(id) : null },
        },
        new("round", ExportValueKind.Number, "The round the summary covers (1-5).", r => ExportValue.Of(r.RoundNumber)),
        new("connection_state", ExportValueKind.Text, "The RTCPeerConnection's state at the report: new, connecting, connected, disconnected, failed or closed.", r => ExportValue.Of(r.ConnectionState)),
        new("relayed", ExportValueKind.Boolean, "TRUE if the link went through the TURN relay, FALSE if direct.", r => ExportValue.Of(r.Relayed)),
        new("round_trip_ms", ExportValueKind.Fractional, "Current round-trip time of the selected candidate pair, in milliseconds; empty when the browser had none.", r => ExportValue.Of(r.RoundTripMs)),
        new("jitter_ms", ExportValueKind.Fractional, "Inbound audio jitter, in milliseconds; empty when the browser had none.", r => ExportValue.Of(r.JitterMs)),
        new("packets_received", ExportValueKind.Number, "Inbound audio packets received; empty when the browser had none.", r => ExportValue.Of(r.PacketsReceived)),
        new("packets_lost", ExportValueKind.Number, "Inbound audio packets lost; empty when the browser had none.", r => ExportValue.Of(r.PacketsLost)),
        new("at", ExportValueKind.Timestamp, "When the summary was reported (UTC).", r => ExportValue.Of(r.At)),
    ]);
}
