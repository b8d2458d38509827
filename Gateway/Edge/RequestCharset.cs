using Dilemma.Gateway.Errors;
using Microsoft.Net.Http.Headers;

namespace Dilemma.Gateway.Edge;

/// <summary>
/// Takes a body's charset as RFC 9110 writes it and answers any but UTF-8 with 415 naming Content-Type. JSON between
/// systems is UTF-8 (RFC 8259); the framework's JSON reader throws for a charset it does not know, and for a quoted
/// one (<c>charset="utf-8"</c>, which is legal), and that would reach the client as a 500.
/// </summary>
public sealed class RequestCharset(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        // The two forms clients send (HttpClient's JsonContent, fetch) skip the parse: it is on every write's path.
        if (context.Request.ContentType is { } contentType
            && !contentType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            && !contentType.Equals("application/json; charset=utf-8", StringComparison.OrdinalIgnoreCase)
            && MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            && mediaType.Charset.HasValue)
        {
            var charset = HeaderUtilities.RemoveQuotes(mediaType.Charset).ToString();
            if (!IsUtf8(charset))
            {
                context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                var problem = Problems.Describe(
                    StatusCodes.Status415UnsupportedMediaType,
                    "unsupported_charset",
                    $"Content-Type names the charset '{charset}': request bodies are JSON, which is UTF-8; send charset=utf-8 or none.");
                problem.Extensions["field"] = HeaderNames.ContentType;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
                return;
            }

            // The same media type with the charset unquoted, which is how the reader understands it.
            mediaType.Charset = "utf-8";
            context.Request.ContentType = mediaType.ToString();
        }

        await next(context);
    }

    private static bool IsUtf8(string charset) =>
        charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase);
}
