using Dilemma.Hosting.Settings;
using Microsoft.Extensions.Options;

namespace Dilemma.Gateway.Edge;

/// <summary>
/// Which other origins' front ends may call the API (section <c>Cors</c>). None by default: the
/// built-in app is same-origin. Tokens travel as bearer headers, never cookies, so no policy
/// allows credentials.
/// </summary>
public sealed class CrossOriginOptions
{
    public const string SectionName = "Cors";

    /// <summary>Origins exactly as browsers send them: <c>https://game.example.org</c>, <c>http://localhost:3000</c>.</summary>
    public string[] AllowedOrigins { get; set; } = [];
}

/// <summary>The one rule for a configured origin, shared by <c>Cors:AllowedOrigins</c> and <c>Realtime:AllowedOrigins</c>.</summary>
public static class Origins
{
    /// <summary>
    /// An absolute http(s) origin with no path, query, fragment, user or default port: the form a
    /// browser's <c>Origin</c> header takes, so a listed value can match it. A trailing slash or a
    /// path would never match and silently lock the front end out, so it stops start-up instead.
    /// </summary>
    public static bool IsOrigin(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && string.Equals(uri.GetLeftPart(UriPartial.Authority), value, StringComparison.OrdinalIgnoreCase)
        && uri.UserInfo.Length == 0;

    /// <summary>What is wrong with a list of origins, to follow the setting's name; null when all are valid.</summary>
    public static string? Check(IEnumerable<string> values)
    {
        var wrong = values.Where(v => !IsOrigin(v)).ToList();
        return wrong.Count == 0
            ? null
            : $"must list origins such as https://game.example.org (http or https, no path, no trailing slash, no default port), not '{string.Join("', '", wrong)}'";
    }
}

/// <summary>CORS for the front ends named in <c>Cors:AllowedOrigins</c>; other origins get no CORS headers at all.</summary>
public static class CrossOrigin
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    // What a cross-origin script may read beside the simple headers: the export's file name and id,
    // where a created resource is, when to retry, and why a token was refused.
    private static readonly string[] ExposedHeaders = ["Content-Disposition", "X-Export-Id", "Location", "Retry-After", "WWW-Authenticate"];

    public const string AllowedOriginsKey = "Cors:AllowedOrigins";

    /// <summary>Binds CORS to <c>Cors:AllowedOrigins</c>; the socket list is <c>Realtime:AllowedOrigins</c>, bound by the sockets.</summary>
    public static IServiceCollection AddDilemmaCors(this IServiceCollection services)
    {
        services.AddOptions<CrossOriginOptions>().BindSettings(CrossOriginOptions.SectionName, new CrossOriginValidator());
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<CrossOriginOptions>>((cors, allowed) => cors.AddDefaultPolicy(policy => policy
                .WithOrigins(allowed.Value.AllowedOrigins)
                .WithMethods(Methods)
                .AllowAnyHeader()
                .WithExposedHeaders(ExposedHeaders)
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
        return services;
    }

    /// <summary>Names the wrong values in the start-up error (a delegate validator can only give a fixed text).</summary>
    private sealed class CrossOriginValidator : IValidateOptions<CrossOriginOptions>
    {
        public ValidateOptionsResult Validate(string? name, CrossOriginOptions options) =>
            Origins.Check(options.AllowedOrigins) is { } problem ? ValidateOptionsResult.Fail(SettingsValidation.Failure(AllowedOriginsKey, problem)) : ValidateOptionsResult.Success;
    }
}
