using System.Security.Claims;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Edge;
using Dilemma.Gateway.Errors;
using Dilemma.Gateway.Realtime;
using Dilemma.Gateway.Telemetry;
using Dilemma.Grains.Interfaces.Sessions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Dilemma.Gateway.Sessions;

/// <summary>The facilitator's live monitor socket, <c>/ws/sessions/{session_code}/monitor</c>.</summary>
public static class SessionMonitorApi
{
    /// <summary>Mapped after <c>MapRealtimeApi</c>, which turns WebSockets on; the token comes in the query as on the other sockets.</summary>
    public static void MapSessionMonitor(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGroup("/ws").WithTags("Realtime").AcceptsQueryToken().MapGet("/sessions/{session_code}/monitor", MonitorAsync)
            .WithSummary("WebSocket: the live monitor of a session, one room_status per room change")
            .WithDescription(
                "Query: token (an access token carrying the facilitator or admin role). The session's facilitator and admins only: anyone else, "
                + "a facilitator of another session included, is refused before the upgrade with 403 not_facilitator (401 without a token, 404 session_not_found, "
                + "400 invalid_session_code). Pushes only; a message sent to it is refused with unknown_type. On connect, one room_status for every room of the session, "
                + "then one after a room changes, within a second: {type: room_status, room_code, phase, round, paused, paused_at (since when the clock has stood still; null while it runs), "
                + "deadline_kind, deadline_at (server clock), seconds_left (to deadline_at when sent, or when the pause began while paused), chosen (user ids who have chosen this round, never what), participants [{user_id, nickname, role_id, "
                + "presence (present, reconnecting, dropped, removed), is_bot, connected (a socket of theirs is open; present covers one who never connected too, and only "
                + "a seat not connected may be removed: 409 participant_present otherwise)}], links [{user_id, peer_user_id, state, relayed}: each WebRTC link as its sender's browser last "
                + "reported it with link_state on the voice socket; a user's links go with their voice socket], version}. A room's changes within one second go out as one message with its latest state, "
                + "so a room costs at most one message a second. "
                + "A broadcast (POST /sessions/{session_code}/broadcast, from any device) is {type: facilitator_message, message, at}, once, as it reaches the rooms. "
                + "Every facilitator action, from any device, is {type: facilitator_action, action (as GET /sessions/{session_code}/actions names it), room_code (null for the whole session's), at (its occurred_at)}, "
                + "pushed once its row is in that log: a GET of the log made on it has the row. Rooms opened after connecting (late arrivals) are picked up within Realtime:RenewSeconds. "
                + "Close codes: 1008 too many refused messages, 1013 receiver too slow, the cluster did not answer, or the session lost this monitor (its silo gone: "
                + "facilitator_action pushes may have been missed, so connect again and read the log), 4001 signed out, 4003 the account no longer holds the "
                + "facilitator or admin role that let it in (judged by the roles stored now at every renewal, Realtime:RenewSeconds).");

    public static async Task<IResult> MonitorAsync(
        HttpContext context,
        [FromRoute(Name = "session_code")] string sessionCode,
        ClaimsPrincipal user,
        IGrainFactory grains,
        TimeProvider time,
        IOptions<RealtimeOptions> options,
        IOptions<HttpJsonOptions> json,
        ILoggerFactory loggers)
    {
        if (SocketAdmission.CheckRequest(context, options.Value) is { } bad)
        {
            return bad;
        }

        if (!user.Identity?.IsAuthenticated ?? true)
        {
            // Tickets carry no roles, and the monitor is for a role: the access token it is.
            return await SocketAdmission.UnauthenticatedAsync(context, "The monitor needs ?token=<access token>.");
        }

        if (!SessionRules.IsSessionCode(sessionCode))
        {
            return Problems.Of(SessionRules.InvalidSessionCode());
        }

        // The key the session grain has: the monitor asks the session and its rooms again after the upgrade, and a code typed
        // in lower case would reach a session nobody created there, killing the socket.
        var code = SessionRules.Normalize(sessionCode);

        // Asking the session for itself is the access check: 403/404 answer here, before the upgrade.
        var caller = SessionsApi.Caller(user);
        await grains.GetGrain<ISessionGrain>(code).GetAsync(caller, context.RequestAborted);
        return await RealtimeApi.RunAsync(context, EdgeMetrics.Monitor, new SocketCaller(caller.UserId, SignInRevocations.SignInOf(user)), options.Value, json.Value, loggers.CreateLogger<SessionMonitor>(), (_, channel, logger) =>
            new SessionMonitor(code, caller, channel, grains, options.Value, time, logger).RunAsync(context.RequestAborted));
    }
}
