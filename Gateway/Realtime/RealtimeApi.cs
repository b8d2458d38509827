using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Edge;
using Dilemma.Gateway.Ice;
using Dilemma.Gateway.Telemetry;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Hosting.Settings;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Dilemma.Gateway.Realtime;

/// <summary>The two WebSockets: signaling (<c>/ws/signaling</c>) and the voice session (<c>/ws/voice/{room_code}</c>).</summary>
public static class RealtimeApi
{
    private const string CloseCodeDescription =
        "Close codes: 1008 too many refused messages, 1013 receiver too slow, 4000 replaced by a newer socket of the same user, "
        + "4001 signed out (the sign-in of the token or ticket that opened it was revoked: POST /auth/logout, or a refresh token reused), "
        + "4003 no longer a participant (left, removed, or the room ended; sent at once, whether or not join was sent).";

    public static IServiceCollection AddRealtime(this IServiceCollection services)
    {
        services.AddOptions<RealtimeOptions>().BindSettings(RealtimeOptions.SectionName, new RealtimeOptionsValidator());
        return services;
    }

    public static void MapRealtimeApi(this WebApplication app)
    {
        app.UseWebSockets();
        // Browsers cannot set headers on a WebSocket: the token comes in the query (or a ticket does).
        var sockets = app.MapGroup("/ws").WithTags("Realtime").AcceptsQueryToken();
        sockets.MapGet("/signaling", SignalingAsync)
            .WithSummary("WebSocket: WebRTC signaling (join, offer, answer, candidate) for one room")
            .WithDescription(
                "Query: room_code, and token (access token) or ticket (from POST /auth/ws-ticket). Refused before the upgrade with 401/403/404. "
                + "A message is relayed only while sender and addressee both sit in the room. Errors: malformed_json, missing_type, unknown_type, invalid_message, "
                + "message_too_large, rate_limited, peer_not_connected (addressee seated, no socket), peer_not_in_room (addressee not seated here), "
                + "not_participant (sender no longer seated). Pushes ice_config_refresh with the fields of GET /webrtc/ice-config (iceServers, turnEnabled, ttl, expiresAt, provider, fallback). "
                + "In a started game, tells the others when a participant's last socket closes (participant_reconnecting), comes back within Game:ReconnectGraceSeconds "
                + "(participant_returned, followed by peer_joined so the pair renegotiates) or stays away past it (participant_dropped), each with the fields of peer_left "
                + "(peer_id, nickname, role_id, polite). "
                + CloseCodeDescription);
        sockets.MapGet("/voice/{room_code}", VoiceAsync)
            .WithSummary("WebSocket: the room's voice session (init, voice_status_update, link_state, link_quality, start_recording, stop_recording) and room_updated pushes")
            .WithDescription(
                "Query: token (access token) or ticket. Refused before the upgrade with 401/403/404. One voice socket per user per room. "
                + "start_recording/stop_recording need voice consent (voice_consent_required); starting what is started changes nothing; "
                + "a participant changes the recording at most once a second (rate_limited). "
                + "link_quality {round_number, links: [{peer_user_id, connection_state (an RTCPeerConnection state word), relayed, round_trip_ms, jitter_ms, packets_received, packets_lost}]} "
                + "is each participant's getStats() summary of their links for a round, stored one connection_quality row per link; measures may be null; "
                + "a bad field is answered invalid_message naming it, a round not yet open wrong_round (after the game ended, any round but its last: the client reports a round as it ends), a peer outside the room invalid_peer, a round reported again already_reported; from a participant who withdrew their research data research_data_removed, and a link to such a participant is left out (nothing more is recorded about them). "
                + "Pushes room_updated, the room as GET /rooms/{room_code} answers it, after every change: host changes (handed on, or automatic when the host is dropped: host_user_id), "
                + "presence (present, reconnecting, dropped, removed), bot seats (is_bot), paused (and paused_at), and the running deadline (deadline_kind, deadline_at on the server's clock). "
                + "In a started game also {type, user_id, at} for participant_reconnecting, participant_returned and participant_dropped. "
                + "link_state {peer_user_id, state (new, connecting, connected, disconnected, failed, closed: RTCPeerConnection.connectionState), relayed (true over TURN)}, "
                + "sent on every change of a link, is kept in memory as the latest per (user, peer) for the session monitor's room_status links; never stored, never pushed "
                + "to the participants; a bad one (missing or mistyped field, unknown state, a peer not in the room or oneself) gets error invalid_message and the socket stays open. "
                + "In a session's room also {type: facilitator_message, message, at} when the session's facilitator broadcasts (POST /sessions/{session_code}/broadcast), "
                + "and {type: deadline_extended, user_id (the facilitator), at} after an extension of the running deadline (POST /sessions/{session_code}/rooms/{room_code}/extend; the new deadline_at comes with room_updated). "
                + CloseCodeDescription);
    }

    public static Task<IResult> SignalingAsync(
        HttpContext context,
        [FromQuery(Name = "room_code")] string? roomCode,
        IGrainFactory grains,
        IIceConfigSource ice,
        TimeProvider time,
        IOptions<RealtimeOptions> options,
        IOptions<HttpJsonOptions> json,
        EdgeMetrics metrics,
        ILoggerFactory loggers) =>
        AcceptAsync(context, EdgeMetrics.Signaling, roomCode, grains, options.Value, json.Value, loggers.CreateLogger<SignalingSession>(), (userId, channel, logger) =>
            new SignalingSession(roomCode!, userId, channel, grains, ice, time, options.Value, metrics, context.RequestServices.GetService<LocalPeerConnections>(), logger).RunAsync(context.RequestAborted));

    public static Task<IResult> VoiceAsync(
        HttpContext context,
        [FromRoute(Name = "room_code")] string roomCode,
        IGrainFactory grains,
        IOptions<RealtimeOptions> options,
        IOptions<HttpJsonOptions> json,
        ILoggerFactory loggers) =>
        AcceptAsync(context, EdgeMetrics.Voice, roomCode, grains, options.Value, json.Value, loggers.CreateLogger<VoiceSession>(), (userId, channel, logger) =>
            new VoiceSession(roomCode, userId, channel, grains, options.Value, logger).RunAsync(context.RequestAborted));

    /// <summary>Admits the caller (or answers why not), accepts the socket and runs a session on it until it closes.</summary>
    private static async Task<IResult> AcceptAsync(
        HttpContext context,
        string kind,
        string? roomCode,
        IGrainFactory grains,
        RealtimeOptions options,
        HttpJsonOptions json,
        ILogger logger,
        Func<long, SocketChannel, ILogger, Task> runSession)
    {
        var (caller, refusal) = await SocketAdmission.AdmitAsync(context, roomCode, grains, options);
        return refusal ?? await RunAsync(context, kind, caller, options, json, logger, runSession);
    }

    /// <summary>
    /// Accepts an admitted caller's socket and runs a session on it until it closes, counted by kind; closed with
    /// <see cref="CloseCodes.SignedOut"/> when the caller's sign-in is revoked meanwhile, and with
    /// <see cref="CloseCodes.ServiceRestart"/> as soon as this gateway starts stopping: the client then reconnects through
    /// another gateway at once, rather than when the shutdown timeout aborts the socket.
    /// </summary>
    public static async Task<IResult> RunAsync(
        HttpContext context,
        string kind,
        SocketCaller caller,
        RealtimeOptions options,
        HttpJsonOptions json,
        ILogger logger,
        Func<long, SocketChannel, ILogger, Task> runSession)
    {
        using var socket = await SocketAdmission.AcceptAsync(context, options);
        await using var channel = new SocketChannel(socket, options, json.SerializerOptions, logger);
        using var signOut = context.RequestServices.GetRequiredService<SignInRevocations>()
            .Watch(caller.SignInId, () => channel.Close(CloseCodes.SignedOut, SignInRevokedException.Code));
        using var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping
            .Register(() => channel.Close(CloseCodes.ServiceRestart, "server stopping"));
        var metrics = context.RequestServices.GetRequiredService<EdgeMetrics>();
        metrics.SocketOpened(kind);
        try
        {
            await runSession(caller.UserId, channel, logger);
        }
        finally
        {
            metrics.SocketClosed(kind, channel.CloseCode, channel.RateLimitedMessages);
        }

        return Results.Empty;
    }
}
