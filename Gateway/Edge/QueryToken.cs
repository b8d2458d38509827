using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Dilemma.Gateway.Edge;

/// <summary>
/// The legacy form <c>?token=&lt;access token&gt;</c>, accepted only on endpoints marked with
/// <see cref="AcceptsQueryToken{TBuilder}"/>: the sockets (browsers cannot set headers on a
/// WebSocket) and <c>GET /webrtc/ice-config</c> (the original front end sent its token there).
/// Everywhere else a query token is ignored, so a token leaked into a URL opens nothing else.
/// The <c>Authorization</c> header, when present, always wins. Query strings are never logged.
/// </summary>
public static class QueryToken
{
    private const string Parameter = "token";

    /// <summary>Marks endpoints that read the access token from <c>?token=</c> when no header carries one.</summary>
    public static TBuilder AcceptsQueryToken<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(Marker.Instance);

    /// <summary>Called by the bearer handler before it reads the header.</summary>
    public static void Read(MessageReceivedContext context)
    {
        var request = context.Request;
        if (context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<Marker>() is null
            || request.Headers.Authorization.Count > 0
            || request.Query[Parameter] is not [{ Length: > 0 } token])
        {
            return;
        }

        context.Token = token;
    }

    /// <summary>Whether a request carried <c>?token=</c> where it is not read, to say so in the 401.</summary>
    public static bool IsMisplaced(HttpContext context) =>
        context.Request.Query.ContainsKey(Parameter)
        && context.Request.Headers.Authorization.Count == 0
        && context.GetEndpoint()?.Metadata.GetMetadata<Marker>() is null;

    private sealed class Marker
    {
        public static readonly Marker Instance = new();
    }
}
