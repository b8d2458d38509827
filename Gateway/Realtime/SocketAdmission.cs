using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Errors;
using Dilemma.Grains.Interfaces.Accounts;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Microsoft.AspNetCore.Authentication;

namespace Dilemma.Gateway.Realtime;

/// <summary>
/// Everything checked before a socket is accepted: a WebSocket request, an allowed origin, who
/// the caller is (a token, or a single-use ticket), and that they sit in the room. A refused
/// request gets an ordinary HTTP problem answer and never becomes a socket.
/// </summary>
public static class SocketAdmission
{
    /// <summary>The caller (user id, and sign-in when the token or ticket named one) when admitted; otherwise the problem to answer with.</summary>
    public static async Task<(SocketCaller Caller, IResult? Refusal)> AdmitAsync(HttpContext context, string? roomCode, IGrainFactory grains, RealtimeOptions options)
    {
        if (CheckRequest(context, options) is { } bad)
        {
            return (SocketCaller.Nobody, bad);
        }

        if (!RoomRules.IsRoomCode(roomCode))
        {
            var invalid = RoomRules.InvalidRoomCode();
            return (SocketCaller.Nobody, Problems.Create(StatusCodes.Status400BadRequest, invalid.Code, invalid.Message, field: invalid.Field));
        }

        var (caller, refusal) = await IdentifyAsync(context, grains);
        if (refusal is not null)
        {
            return (SocketCaller.Nobody, refusal);
        }

        var userId = caller.UserId;

        try
        {
            // The room's visibility rule, so the upgrade tells a stranger no more than GET /rooms/{code}:
            // a socket is for participants, and no roles are passed, so only they see the room in full.
            var view = await grains.GetGrain<IRoomGame>(roomCode!).ViewAsync(new RoomViewer(userId, []), context.RequestAborted);
            if (view.Details is null)
            {
                return (SocketCaller.Nobody, Problems.Create(StatusCodes.Status403Forbidden, "not_participant", "You are not a participant of this room."));
            }
        }
        catch (RuleViolationException e) when (e.Kind == RuleViolationKind.NotFound)
        {
            return (SocketCaller.Nobody, Problems.Create(StatusCodes.Status404NotFound, e.Code, e.Message));
        }

        return (caller, null);
    }

    /// <summary>A WebSocket request from an allowed origin: the room-less half of <see cref="AdmitAsync"/>, for the session monitor.</summary>
    public static IResult? CheckRequest(HttpContext context, RealtimeOptions options)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "websocket_required", "This endpoint speaks WebSocket only.");
        }

        var origins = options.AllowedOrigins;
        return origins.Length > 0 && !origins.Contains(context.Request.Headers.Origin.ToString(), StringComparer.OrdinalIgnoreCase)
            ? Problems.Create(StatusCodes.Status403Forbidden, "origin_not_allowed", "This origin may not open sockets here.")
            : null;
    }

    /// <summary>Who the caller is: a single-use ticket, or the access token of the request.</summary>
    public static async Task<(SocketCaller Caller, IResult? Refusal)> IdentifyAsync(HttpContext context, IGrainFactory grains)
    {
        if (context.Request.Query["ticket"] is [{ Length: > 0 } ticket])
        {
            var holder = ticket.Length <= 64 ? await grains.GetGrain<IWsTicketGrain>(ticket).RedeemAsync() : null;
            if (holder is null)
            {
                return (SocketCaller.Nobody, Problems.Create(StatusCodes.Status401Unauthorized, "invalid_ticket", "The ticket is unknown, used or expired; get a new one from POST /auth/ws-ticket."));
            }

            // A ticket outlives nothing it was issued under: one taken just before signing out opens no socket after it.
            return context.RequestServices.GetRequiredService<SignInRevocations>().IsRevoked(holder.SignInId)
                ? (SocketCaller.Nobody, Problems.Create(StatusCodes.Status401Unauthorized, SignInRevokedException.Code, SignInRevokedException.Detail))
                : (new SocketCaller(holder.UserId, holder.SignInId), null);
        }

        return context.User.Identity?.IsAuthenticated == true
            ? (new SocketCaller(AccessTokens.UserIdOf(context.User), SignInRevocations.SignInOf(context.User)), null)
            : (SocketCaller.Nobody, await UnauthenticatedAsync(context, "A socket needs ?token=<access token> or ?ticket=<ticket>."));
    }

    /// <summary>
    /// The 401 for a socket without a usable token: <c>token_revoked</c> when the token was refused for its sign-in (so a
    /// client signs out rather than retry), otherwise <c>invalid_token</c> with <paramref name="detail"/>.
    /// </summary>
    public static async Task<IResult> UnauthenticatedAsync(HttpContext context, string detail)
    {
        // The bearer handler keeps its result for the request: this reads it again, it does not validate the token twice.
        var result = await context.AuthenticateAsync();
        return result.Failure is SignInRevokedException
            ? Problems.Create(StatusCodes.Status401Unauthorized, SignInRevokedException.Code, SignInRevokedException.Detail)
            : Problems.Create(StatusCodes.Status401Unauthorized, "invalid_token", detail);
    }

    /// <summary>Accepts with keep-alive pings, so a dead peer is noticed without any traffic of its own.</summary>
    public static Task<System.Net.WebSockets.WebSocket> AcceptAsync(HttpContext context, RealtimeOptions options) =>
        context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = TimeSpan.FromSeconds(options.KeepAliveSeconds),
            KeepAliveTimeout = TimeSpan.FromSeconds(options.KeepAliveTimeoutSeconds),
        });
}

/// <summary>Who opens a socket: the user, and the sign-in whose revocation closes it (null for a token minted before tokens named one).</summary>
public sealed record SocketCaller(long UserId, string? SignInId)
{
    public static SocketCaller Nobody { get; } = new(0, null);
}
