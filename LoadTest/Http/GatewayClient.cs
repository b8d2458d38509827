using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Dilemma.LoadTest.Http;

/// <summary>
/// The gateway as any client sees it: JSON over HTTP. Set-up calls (register, guest) must succeed
/// and throw <see cref="SetupException"/> otherwise; timed calls never throw for an HTTP or
/// transport failure, they return it as an <see cref="Outcome"/> to be counted.
/// </summary>
public sealed class GatewayClient : IDisposable
{
    private const int MaxSetupAttempts = 20;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private readonly HttpClient _http;

    private GatewayClient(HttpClient http) => _http = http;

    /// <summary>
    /// A client with its own connection pool of at most <paramref name="connections"/> connections;
    /// <paramref name="counter"/>, when given, counts the TCP connections it actually opens.
    /// </summary>
    public static GatewayClient Create(Uri baseUrl, int connections, TimeSpan requestTimeout, ConnectionCounter? counter = null)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            // A proxy from the environment would put its own latency into every number (and could
            // carry the traffic off this machine).
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        if (counter is not null)
        {
            handler.ConnectCallback = counter.ConnectAsync;
        }

        return new GatewayClient(new HttpClient(handler) { BaseAddress = baseUrl, Timeout = requestTimeout });
    }

    /// <summary>A request body as the gateway reads it (snake_case JSON), serialized once so that a hot loop can send it again and again.</summary>
    public static byte[] Body<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Json);

    /// <summary>A set-up call that must answer <paramref name="expected"/>; its JSON answer is returned.</summary>
    public Task<T> SetupCallAsync<T>(HttpMethod method, string path, string? accessToken, byte[]? body, HttpStatusCode expected, CancellationToken cancellationToken) =>
        SetupAsync<T>(() => Request(method, path, accessToken, body), expected, cancellationToken);

    /// <summary>A timed call of any endpoint; the body of a successful answer is kept when <paramref name="keepBody"/> (to read a token or a room code from it).</summary>
    public Task<Reply> CallAsync(HttpMethod method, string path, string? accessToken, byte[]? body, bool keepBody, CancellationToken cancellationToken) =>
        ExchangeAsync(Request(method, path, accessToken, body), keepBody, cancellationToken);

    /// <summary>Reads a JSON answer kept by <see cref="CallAsync"/>.</summary>
    public static T? Read<T>(byte[] body) => JsonSerializer.Deserialize<T>(body, Json);

    public Task<TokenPair> RegisterAsync(string username, string password, CancellationToken cancellationToken) =>
        SetupAsync<TokenPair>(
            () => new HttpRequestMessage(HttpMethod.Post, "auth/register") { Content = JsonContent.Create(new RegisterBody(username, password), options: Json) },
            HttpStatusCode.Created,
            cancellationToken);

    public Task<TokenPair> GuestAsync(string guestId, string nickname, CancellationToken cancellationToken) =>
        SetupAsync<TokenPair>(
            () => new HttpRequestMessage(HttpMethod.Post, "auth/guest") { Content = JsonContent.Create(new GuestBody(guestId, nickname), options: Json) },
            HttpStatusCode.OK,
            cancellationToken);

    public Task<Outcome> LoginAsync(string username, string password, CancellationToken cancellationToken) =>
        TimedAsync(
            new HttpRequestMessage(HttpMethod.Post, "auth/login") { Content = JsonContent.Create(new LoginBody(username, password), options: Json) },
            cancellationToken);

    public Task<Outcome> MeAsync(string accessToken, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "auth/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return TimedAsync(request, cancellationToken);
    }

    public Task<Outcome> HealthAsync(CancellationToken cancellationToken) =>
        TimedAsync(new HttpRequestMessage(HttpMethod.Get, "health"), cancellationToken);

    public void Dispose() => _http.Dispose();

    private async Task<Outcome> TimedAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        (await ExchangeAsync(request, keepBody: false, cancellationToken)).Outcome;

    /// <summary>
    /// Sends one request and times it to the last byte of the body. A cancelled
    /// <paramref name="cancellationToken"/> still throws: that is the run ending, not a result.
    /// </summary>
    private async Task<Reply> ExchangeAsync(HttpRequestMessage request, bool keepBody, CancellationToken cancellationToken)
    {
        using (request)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
                var elapsed = Stopwatch.GetElapsedTime(started);
                if (response.IsSuccessStatusCode)
                {
                    var body = keepBody ? await response.Content.ReadAsByteArrayAsync(cancellationToken) : null;
                    return new Reply(new Outcome((int)response.StatusCode, null, elapsed), body);
                }

                var code = await ProblemCodeAsync(response, cancellationToken);
                return new Reply(new Outcome((int)response.StatusCode, code, elapsed), null);
            }
            catch (HttpRequestException e)
            {
                return new Reply(new Outcome(0, TransportCode(e.HttpRequestError), Stopwatch.GetElapsedTime(started)), null);
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // HttpClient reports its own timeout as a cancellation.
                return new Reply(new Outcome(0, "timeout", Stopwatch.GetElapsedTime(started)), null);
            }
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? accessToken, byte[]? body)
    {
        var request = new HttpRequestMessage(method, path);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        if (body is not null)
        {
            request.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        }

        return request;
    }

    private async Task<T> SetupAsync<T>(Func<HttpRequestMessage> request, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var message = request();
            var target = $"{message.Method} /{message.RequestUri}";
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(message, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw new SetupException($"{target} failed: {e.Message}", e);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SetupException($"{target} timed out", e);
            }

            using (response)
            {
                if (response.StatusCode == expected)
                {
                    return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                        ?? throw new SetupException($"{target} answered {(int)expected} with an empty body");
                }

                // Password endpoints turn callers away when busy and say when to come back; doing
                // as told keeps set-up from failing only because the server protects itself.
                if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && attempt < MaxSetupAttempts)
                {
                    await Task.Delay(RetryAfter(response), cancellationToken);
                    continue;
                }

                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new SetupException($"{target} answered {(int)response.StatusCode} (expected {(int)expected}): {Truncate(body, 300)}");
            }
        }
    }

    private static TimeSpan RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter?.Delta is { } delta && delta > TimeSpan.Zero && delta < TimeSpan.FromSeconds(30)
            ? delta
            : TimeSpan.FromSeconds(1);

    /// <summary>The problem document's stable <c>code</c>, so that 503 auth_busy and 503 cluster_unavailable are told apart.</summary>
    private static async Task<string?> ProblemCodeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (body.Length == 0)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
                ? code.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string TransportCode(HttpRequestError error) =>
        error switch
        {
            HttpRequestError.ConnectionError => "connection_error",
            HttpRequestError.ResponseEnded => "response_ended",
            HttpRequestError.NameResolutionError => "name_resolution",
            _ => error.ToString().ToLower(CultureInfo.InvariantCulture),
        };

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";

    private sealed record RegisterBody(string Username, string Password);

    private sealed record LoginBody(string Username, string Password);

    private sealed record GuestBody(string GuestId, string Nickname);
}

/// <summary>The part of the gateway's token answer that a load test needs.</summary>
public sealed record TokenPair(string AccessToken, long UserId, string Username, bool IsGuest);

/// <summary>
/// One timed request: the HTTP status (0 when no answer came), the problem <c>code</c> or
/// transport failure when it failed, and the time to the last byte.
/// </summary>
public readonly record struct Outcome(int Status, string? Code, TimeSpan Elapsed)
{
    public bool Succeeded => Status is >= 200 and < 300;

    /// <summary>A short key for counting failures, e.g. <c>429 rate_limited</c> or <c>timeout</c>.</summary>
    public string Describe() =>
        Status == 0
            ? Code ?? "no_answer"
            : Code is null ? Status.ToString(CultureInfo.InvariantCulture) : $"{Status.ToString(CultureInfo.InvariantCulture)} {Code}";
}

/// <summary>A timed request's outcome, with the body of a successful answer when the caller asked for it.</summary>
public readonly record struct Reply(Outcome Outcome, byte[]? Body);

/// <summary>The scenario could not be set up (accounts, guests): there is nothing to measure.</summary>
public sealed class SetupException(string message, Exception? inner = null) : Exception(message, inner);
