using System.Security.Claims;
using Dilemma.Gateway.Accounts;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Gateway.Rooms;

/// <summary>The caller as a room sees them: their id and every role their access token carries. The room decides what that shows.</summary>
public static class RoomViewers
{
    public static RoomViewer Of(ClaimsPrincipal user) =>
        new(AccessTokens.UserIdOf(user), user.FindAll("role").Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList());
}
