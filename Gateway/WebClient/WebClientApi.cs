namespace Dilemma.Gateway.WebClient;

/// <summary>The browser app at <c>/</c>: its page, its versioned assets, and the headers that keep it safe.</summary>
public static partial class WebClientApi
{
    /// <summary>
    /// No inline script or style anywhere in the app, so none is allowed; sockets and fetches go to our own
    /// origin only ('self' covers ws/wss of the same host in CSP 3); media are the peers' streams (blob:/mediastream).
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "media-src 'self' blob: mediastream:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>The page itself is revalidated on every visit, so a deployment reaches the next load.</summary>
    public const string IndexCacheControl = "no-cache";

    /// <summary>Assets live under a content hash: a URL's bytes never change, so they are cached for a year.</summary>
    public const string AssetCacheControl = "public, max-age=31536000, immutable";

    public static void MapWebClient(this WebApplication app)
    {
        if (WebClientAssets.Load(app.Environment.WebRootFileProvider) is not { } assets)
        {
            // The API works without the app; say so once, so a deployment missing its wwwroot is noticed.
            LogClientMissing(app.Logger, WebClientAssets.IndexFile, app.Environment.WebRootPath);
            return;
        }

        app.MapGet("/", (HttpContext context) => ServeIndex(context, assets)).ExcludeFromDescription();
        app.MapGet("/index.html", (HttpContext context) => ServeIndex(context, assets)).ExcludeFromDescription();
        app.MapGet("/assets/{version}/{**path}", (string version, string? path, HttpContext context) => ServeAsset(version, path, context, assets))
            .ExcludeFromDescription();
    }

    private static IResult ServeIndex(HttpContext context, WebClientAssets assets)
    {
        AddSecurityHeaders(context.Response.Headers);
        context.Response.Headers.CacheControl = IndexCacheControl;
        return TypedResults.Bytes(assets.Index, "text/html; charset=utf-8");
    }

    private static IResult ServeAsset(string version, string? path, HttpContext context, WebClientAssets assets)
    {
        AddSecurityHeaders(context.Response.Headers);

        // An old page asking for an old version gets 404 rather than new bytes under an old (immutable) URL.
        if (version != assets.Version || path is null || !assets.TryGet(path, out var asset))
        {
            context.Response.Headers.CacheControl = "no-store";
            return TypedResults.NotFound();
        }

        context.Response.Headers.CacheControl = AssetCacheControl;
        return TypedResults.Bytes(asset.Content, asset.ContentType);
    }

    /// <summary>The headers nginx adds (nginx/templates/dilemma-proxy.inc.template), so the app is as safe without it, plus the CSP.</summary>
    public static void AddSecurityHeaders(IHeaderDictionary headers)
    {
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), geolocation=(), payment=(), usb=(), microphone=(self)";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The web client is not served: no {IndexFile} in the web root {WebRoot}")]
    private static partial void LogClientMissing(ILogger logger, string indexFile, string? webRoot);
}
