using Dilemma.Gateway.Errors;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Sessions;

namespace Dilemma.Gateway.Validation;

/// <summary>
/// The codes in a route (<c>session_code</c>, <c>room_code</c>) checked before any handler of the group runs: a
/// malformed one is returned as its rule's 400 problem, the same body a grain's own check would give, so handlers
/// only ever see well-formed codes and none of them has to throw for one.
/// </summary>
public static class RouteCodes
{
    public const string RoomCode = "room_code";
    public const string SessionCode = "session_code";

    public static RouteGroupBuilder ChecksRouteCodes(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(CheckAsync);
        return group.ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static ValueTask<object?> CheckAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var route = context.HttpContext.Request.RouteValues;
        // The session first: it is the outer resource of /sessions/{session_code}/rooms/{room_code}.
        if (route.TryGetValue(SessionCode, out var session) && !SessionRules.IsSessionCode(session as string))
        {
            return ValueTask.FromResult<object?>(Problems.Of(SessionRules.InvalidSessionCode()));
        }

        if (route.TryGetValue(RoomCode, out var room) && !RoomRules.IsRoomCode(room as string))
        {
            return ValueTask.FromResult<object?>(Problems.Of(RoomRules.InvalidRoomCode()));
        }

        return next(context);
    }
}
