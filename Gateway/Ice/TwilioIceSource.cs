using System.Globalization;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Http;
using Twilio.Rest.Api.V2010.Account;

namespace Dilemma.Gateway.Ice;

/// <summary>
/// Twilio's Network Traversal Service (<c>Ice:Provider=twilio</c>) through the official SDK:
/// <c>POST /2010-04-01/Accounts/{Sid}/Tokens.json</c>. A token is not tied to a user, so one is shared
/// by the whole gateway process and fetched again shortly before it expires. When Twilio fails, the
/// next provider (coturn if configured, else STUN) serves, and the answer says so.
/// </summary>
internal sealed partial class TwilioIceSource : IIceConfigSource, IDisposable
{
    public const string Name = "twilio";

    /// <summary>How long one token fetch may take before the fallback serves instead.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    /// <summary>After a failure, requests go straight to the fallback this long, so an outage does not add a timeout to every call.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(10);

    private readonly IceSettings _settings;
    private readonly TwilioSettings _twilio;
    private readonly IIceConfigSource _fallback;
    private readonly string _fallbackName;
    private readonly TimeProvider _time;
    private readonly ILogger<TwilioIceSource> _logger;
    private readonly System.Net.Http.HttpClient _http;
    private readonly TwilioRestClient _client;
    private readonly SemaphoreSlim _fetching = new(1, 1);
    private volatile CachedToken? _token;
    private volatile Failure? _failure;

    public TwilioIceSource(IceSettings settings, TwilioSettings twilio, IIceConfigSource fallback, TimeProvider time, ILogger<TwilioIceSource> logger)
    {
        _settings = settings;
        _twilio = twilio;
        _fallback = fallback;
        _fallbackName = settings.ActiveCoturn is null ? StunIceSource.Name : CoturnIceSource.Name;
        _time = time;
        _logger = logger;
        HttpMessageHandler handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false };
        if (twilio.BaseUri is { } baseUrl)
        {
            handler = new BaseUrlHandler(baseUrl, handler);
        }

        _http = new System.Net.Http.HttpClient(handler) { Timeout = RequestTimeout };
        // The SDK's own HTTP client over ours: its requests, auth and error parsing, our timeout and (in tests) our base URL.
        _client = new TwilioRestClient(twilio.Username, twilio.Password, twilio.Account, httpClient: new SystemNetHttpClient(_http));
    }

    public async Task<IceConfig> GetAsync(long userId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_token is { } cached && now < cached.RefreshAt)
        {
            return Serve(cached, now);
        }

        var (token, reason) = _failure is { } failure && now < failure.RetryAt
            ? (null, failure.Reason)
            : await FetchAsync(force: false, cancellationToken);
        now = _time.GetUtcNow();
        if (token is not null)
        {
            return Serve(token, now);
        }

        // A token that is due for refresh but not yet expired still works: better than another provider.
        if (_token is { } old && now < old.ExpiresAt)
        {
            return Serve(old, now);
        }

        var config = await _fallback.GetAsync(userId, cancellationToken);
        return config with { FallbackReason = $"twilio: {reason}" };
    }

    public async Task<IceHealth> CheckAsync(CancellationToken cancellationToken)
    {
        var (token, reason) = await FetchAsync(force: true, cancellationToken);
        if (token is not null)
        {
            return new IceHealth(Name, true, true, $"Twilio issued a token with {token.Servers.Count} ICE servers, valid until {token.ExpiresAt:u}");
        }

        var fallback = await _fallback.CheckAsync(cancellationToken);
        return new IceHealth(Name, false, true, $"{reason}; {_fallbackName} serves instead", fallback);
    }

    public void Dispose()
    {
        _http.Dispose();
        _fetching.Dispose();
    }

    /// <summary>One fetch at a time; a caller that waited takes what the fetch before it brought, unless <paramref name="force"/>.</summary>
    private async Task<(CachedToken? Token, string? Reason)> FetchAsync(bool force, CancellationToken cancellationToken)
    {
        await _fetching.WaitAsync(cancellationToken);
        try
        {
            var now = _time.GetUtcNow();
            if (!force && _token is { } fresh && now < fresh.RefreshAt)
            {
                return (fresh, null);
            }

            if (!force && _failure is { } recent && now < recent.RetryAt)
            {
                return (null, recent.Reason);
            }

            try
            {
                // The SDK takes no cancellation token: the HTTP client's timeout bounds the call, and a caller that gives up stops waiting.
                var resource = await TokenResource.CreateAsync(ttl: _twilio.Ttl, client: _client).WaitAsync(cancellationToken);
                var token = Normalize(resource, now);
                _token = token;
                _failure = null;
                return (token, null);
            }
            catch (TwilioException e)
            {
                var reason = Describe(e);
                _failure = new Failure(reason, _time.GetUtcNow() + RetryAfterFailure);
                LogTwilioFailed(_logger, reason, _fallbackName);
                return (null, reason);
            }
        }
        finally
        {
            _fetching.Release();
        }
    }

    private CachedToken Normalize(TokenResource resource, DateTimeOffset requestedAt)
    {
        var servers = new List<IceServer>();
        foreach (var entry in resource.IceServers ?? [])
        {
            // Twilio sends both the old "url" and "urls" (each a single string); browsers want "urls" as a list.
            var urls = new[] { entry.Urls, entry.Url }
                .Where(uri => uri is not null)
                .Select(uri => uri!.OriginalString)
                .Where(text => text.Length > 0)
                .Distinct(StringComparer.Ordinal)
                .Take(1)
                .ToArray();
            if (urls.Length > 0)
            {
                servers.Add(new IceServer(urls, NullIfEmpty(entry.Username), NullIfEmpty(entry.Credential)));
            }
        }

        if (!servers.Any(server => server.Username is not null))
        {
            throw new ApiException("Twilio answered without any TURN server");
        }

        // "STUN always": when Twilio lists none, ours go first.
        if (!servers.Any(server => server.Urls.Any(url => url.StartsWith("stun", StringComparison.OrdinalIgnoreCase))))
        {
            servers.Insert(0, StunIceSource.StunEntry(_settings));
        }

        var ttl = int.TryParse(resource.Ttl, NumberStyles.None, CultureInfo.InvariantCulture, out var granted) && granted > 0 ? granted : _twilio.Ttl;
        var expiresAt = requestedAt.AddSeconds(ttl);
        // Fetched again a tenth of the lifetime (at most five minutes) early, so no client gets a nearly dead token.
        var refreshAt = expiresAt - TimeSpan.FromSeconds(Math.Min(300, ttl / 10));
        return new CachedToken(servers, expiresAt, refreshAt);
    }

    private IceConfig Serve(CachedToken token, DateTimeOffset now) =>
        new(token.Servers, token.Servers.Any(s => s.Urls.Any(url => url.StartsWith("turn", StringComparison.OrdinalIgnoreCase))),
            Math.Max(0, (int)(token.ExpiresAt - now).TotalSeconds), token.ExpiresAt, Name, null);

    /// <summary>Says what went wrong without the request (its URL holds the account SID) or any credential.</summary>
    private static string Describe(TwilioException e) => e switch
    {
        ApiException { Status: > 0 } api => $"Twilio answered {api.Status} (code {api.Code})",
        ApiStandardException standard => $"Twilio answered {standard.Status}",
        ApiConnectionException { InnerException: TaskCanceledException or TimeoutException } => $"Twilio did not answer within {RequestTimeout.TotalSeconds:0} s",
        ApiConnectionException { InnerException: { } inner } => $"Twilio could not be reached ({inner.GetType().Name})",
        _ => $"Twilio's answer was not usable ({e.Message})",
    };

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Twilio did not issue an ICE token: {Reason}; {Fallback} serves instead")]
    private static partial void LogTwilioFailed(ILogger logger, string reason, string fallback);

    private sealed record CachedToken(IReadOnlyList<IceServer> Servers, DateTimeOffset ExpiresAt, DateTimeOffset RefreshAt);

    private sealed record Failure(string Reason, DateTimeOffset RetryAt);

    /// <summary>Sends the SDK's requests (built for https://api.twilio.com) to another base URL, keeping path and query.</summary>
    private sealed class BaseUrlHandler(Uri baseUrl, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private readonly string _base = baseUrl.AbsoluteUri.TrimEnd('/');

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.RequestUri = new Uri(_base + request.RequestUri!.PathAndQuery);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
