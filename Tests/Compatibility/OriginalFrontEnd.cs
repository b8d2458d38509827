using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dilemma.Tests.Hosting;

namespace Dilemma.Tests.Compatibility;

/// <summary>
/// The original system's front end, served from its own origin, calling the gateway the way a
/// browser lets it: every request carries <c>Origin</c>; a request a browser would preflight
/// (one with an <c>Authorization</c> header, a JSON body, or a method other than GET and POST)
/// is preceded by the <c>OPTIONS</c> preflight, and the call goes ahead only if the preflight
/// allows it; every answer must carry the CORS headers that let the page read it.
/// </summary>
public sealed class OriginalFrontEnd(HttpClient client, string origin)
{
    public string Origin => origin;

    public Task<HttpResponseMessage> PostAsync(string pathAndQuery, CancellationToken cancellationToken, string? accessToken = null, object? json = null) =>
        SendAsync(HttpMethod.Post, pathAndQuery, cancellationToken, accessToken, json);

    public Task<HttpResponseMessage> GetAsync(string pathAndQuery, CancellationToken cancellationToken, string? accessToken = null) =>
        SendAsync(HttpMethod.Get, pathAndQuery, cancellationToken, accessToken);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, CancellationToken cancellationToken, string? accessToken = null, object? json = null)
    {
        var unsafeHeaders = new List<string>();
        if (accessToken is not null)
        {
            unsafeHeaders.Add("authorization");
        }

        if (json is not null)
        {
            unsafeHeaders.Add("content-type");
        }

        if (unsafeHeaders.Count > 0 || (method != HttpMethod.Get && method != HttpMethod.Post))
        {
            await PreflightAsync(method, pathAndQuery, unsafeHeaders, cancellationToken);
        }

        using var request = new HttpRequestMessage(method, pathAndQuery)
        {
            Content = json is null ? null : JsonContent.Create(json, options: HttpAssert.Json),
        };
        request.Headers.Add("Origin", origin);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        var response = await client.SendAsync(request, cancellationToken);
        AssertReadable(response);
        return response;
    }

    /// <summary>The browser's preflight; fails the test the way the browser would fail the call.</summary>
    public async Task PreflightAsync(HttpMethod method, string pathAndQuery, IReadOnlyList<string> headers, CancellationToken cancellationToken)
    {
        using var preflight = Preflight(origin, method, pathAndQuery, headers);
        using var response = await client.SendAsync(preflight, cancellationToken);

        Assert.True(response.IsSuccessStatusCode, $"The preflight of {method} {pathAndQuery} got {(int)response.StatusCode}.");
        Assert.Equal(origin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains(method.Method, Header(response, "Access-Control-Allow-Methods")!.Split(',', StringSplitOptions.TrimEntries));
        var allowedHeaders = headers.Count == 0 ? [] : Header(response, "Access-Control-Allow-Headers")!.Split(',', StringSplitOptions.TrimEntries);
        Assert.All(headers, h => Assert.Contains(h, allowedHeaders, StringComparer.OrdinalIgnoreCase));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"), "Bearer tokens only: no preflight may allow credentials.");
    }

    public static HttpRequestMessage Preflight(string origin, HttpMethod method, string pathAndQuery, IReadOnlyList<string> headers)
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, pathAndQuery);
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", method.Method);
        if (headers.Count > 0)
        {
            preflight.Headers.Add("Access-Control-Request-Headers", string.Join(",", headers));
        }

        return preflight;
    }

    /// <summary>A header's one value, or null when the response has none.</summary>
    public static string? Header(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues(header, out var values) ? Assert.Single(values) : null;

    /// <summary>Reads a JSON answer with the status the front end expects.</summary>
    public static Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK) =>
        HttpAssert.OkAsync<JsonElement>(response, status);

    private void AssertReadable(HttpResponseMessage response)
    {
        Assert.True(
            Header(response, "Access-Control-Allow-Origin") == origin,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered {(int)response.StatusCode} without Access-Control-Allow-Origin: {origin}; the page could not read it.");
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }
}
