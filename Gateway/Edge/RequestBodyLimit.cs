using Dilemma.Gateway.Errors;

namespace Dilemma.Gateway.Edge;

/// <summary>
/// Refuses a declared body over the limit before anything reads it. Kestrel's own limit covers
/// bodies without a length (chunked); this covers every server the gateway runs on, and answers
/// with a problem body rather than a bare 413.
/// </summary>
public sealed class RequestBodyLimit(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength > EdgeServices.MaxRequestBodyBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = Problems.Describe(
                    StatusCodes.Status413PayloadTooLarge,
                    "payload_too_large",
                    $"The request body is larger than the {EdgeServices.MaxRequestBodyBytes / 1024} KiB this API accepts."),
            });
            return;
        }

        await next(context);
    }
}
