using System.Text;
using System.Text.RegularExpressions;
using Dilemma.Hosting.Settings;
using Microsoft.Extensions.Options;

namespace Dilemma.Gateway.Ice;

public enum IceProviderKind
{
    Stun,
    Coturn,
    Twilio,
}

/// <summary>ICE settings (section <c>Ice</c>), bound and checked at start-up (<see cref="IceSettingsValidator"/>).</summary>
public sealed class IceSettings
{
    public const string SectionName = "Ice";

    /// <summary>Listed for browsers when nothing else is configured; the gateway itself never contacts it unless <c>Ice:ProbeStun</c> is true.</summary>
    public const string DefaultStunUrl = "stun:stun.l.google.com:19302";

    public const int MinimumTtlSeconds = 60;

    /// <summary>Twilio accepts at most a day; the same bound keeps coturn credentials from living longer.</summary>
    public const int MaximumTtlSeconds = 86_400;

    private IReadOnlyList<IceUrl>? _stunServers;

    // The bound properties carry the configuration's names; what is derived from them is named otherwise,
    // since the binder also binds into a read-only property whose name matches a key.

    /// <summary><c>stun</c> (the default), <c>coturn</c> or <c>twilio</c>, in any case.</summary>
    public string? Provider { get; set; }

    /// <summary>stun: or stuns: URLs, as a list or one comma-separated value.</summary>
    public string[] StunUrls { get; set; } = [];

    public bool ProbeStun { get; set; }

    [ValidateObjectMembers]
    public CoturnSettings Coturn { get; set; } = new();

    [ValidateObjectMembers]
    public TwilioSettings Twilio { get; set; } = new();

    public IceProviderKind ProviderKind => Provider?.Trim().ToLowerInvariant() switch
    {
        "coturn" => IceProviderKind.Coturn,
        "twilio" => IceProviderKind.Twilio,
        _ => IceProviderKind.Stun,
    };

    // Parsed once, on first use after validation (a benign race at worst parses twice).
    public IReadOnlyList<IceUrl> StunServers => _stunServers ??= IceUrl.ParseAll(StunUrls.Length == 0 ? [DefaultStunUrl] : StunUrls);

    /// <summary>Set when <c>Ice:Provider</c> is coturn, or when coturn is configured as Twilio's fallback.</summary>
    public CoturnSettings? ActiveCoturn => ProviderKind == IceProviderKind.Coturn || (ProviderKind == IceProviderKind.Twilio && Coturn.IsConfigured) ? Coturn : null;

    public TwilioSettings? ActiveTwilio => ProviderKind == IceProviderKind.Twilio ? Twilio : null;

    /// <summary>Binds and checks the section now (the tests read it without a host).</summary>
    public static IceSettings Read(IConfiguration configuration) => configuration.ReadSettings(SectionName, new IceSettingsValidator());
}

/// <summary>
/// coturn with <c>--use-auth-secret</c> (the TURN REST API scheme): the gateway signs
/// <c>"{expiry}:{userId}"</c> with the shared secret, and coturn checks the signature and the expiry.
/// No <c>ToString()</c> of it shows the secret.
/// </summary>
public sealed class CoturnSettings
{
    public const int MinimumSecretBytes = 16;
    public const int DefaultTtlSeconds = 3600;

    private IReadOnlyList<IceUrl>? _turnServers;

    /// <summary>turn: or turns: URLs handed to browsers; the health probe asks the first one reachable over UDP.</summary>
    public string[] Urls { get; set; } = [];

    /// <summary>coturn's <c>--static-auth-secret</c>.</summary>
    [NotExamplePlaceholder]
    public string? Secret { get; set; }

    /// <summary>coturn's <c>--realm</c>. Browsers learn it from the server; it is only reported by the health check.</summary>
    public string? Realm { get; set; }

    public int? TtlSeconds { get; set; }

    public IReadOnlyList<IceUrl> TurnServers => _turnServers ??= IceUrl.ParseAll(Urls);

    /// <summary>The secret as UTF-8.</summary>
    internal byte[] SecretBytes => Encoding.UTF8.GetBytes(Secret ?? string.Empty);

    public string? RealmName => string.IsNullOrWhiteSpace(Realm) ? null : Realm.Trim();

    public int Ttl => TtlSeconds ?? DefaultTtlSeconds;

    public IceUrl ProbeTarget => TurnServers.FirstOrDefault(url => url.IsPlainUdp) ?? TurnServers[0];

    /// <summary>Any coturn setting given: beside Twilio that makes coturn the fallback, so it must then be complete.</summary>
    internal bool IsConfigured => Urls.Length > 0 || !string.IsNullOrEmpty(Secret) || !string.IsNullOrEmpty(Realm) || TtlSeconds is not null;
}

/// <summary>
/// Twilio's Network Traversal Service. Authenticates with an API key (preferred: revocable on its own)
/// or the account's auth token. No <c>ToString()</c> of it shows the secret.
/// </summary>
public sealed partial class TwilioSettings
{
    public const int DefaultTtlSeconds = 3600;

    public string? AccountSid { get; set; }

    public string? ApiKeySid { get; set; }

    public string? ApiKeySecret { get; set; }

    public string? AuthToken { get; set; }

    public int? TtlSeconds { get; set; }

    /// <summary>Replaces https://api.twilio.com; only for tests against a local fake of Twilio's REST API.</summary>
    public string? BaseUrl { get; set; }

    public string Account => AccountSid?.Trim() ?? string.Empty;

    /// <summary>The API key SID, or the account SID when an auth token is used.</summary>
    internal string Username => UsesApiKey ? ApiKeySid!.Trim() : Account;

    /// <summary>The API key secret or the auth token.</summary>
    internal string Password => (UsesApiKey ? ApiKeySecret : AuthToken) ?? string.Empty;

    public int Ttl => TtlSeconds ?? DefaultTtlSeconds;

    public Uri? BaseUri => string.IsNullOrEmpty(BaseUrl) ? null : new Uri(BaseUrl);

    internal bool UsesApiKey => !string.IsNullOrWhiteSpace(ApiKeySid);

    [GeneratedRegex("^AC[0-9a-fA-F]{32}$")]
    internal static partial Regex AccountSidPattern();

    [GeneratedRegex("^SK[0-9a-fA-F]{32}$")]
    internal static partial Regex ApiKeySidPattern();
}

/// <summary>
/// The <c>Ice</c> rules. Only the parts the provider uses are checked (coturn when it is the provider or
/// Twilio's fallback, Twilio when it is the provider), and the first problem is the one reported.
/// </summary>
public sealed class IceSettingsValidator : IValidateOptions<IceSettings>
{
    public ValidateOptionsResult Validate(string? name, IceSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Problem(options) is { } problem ? ValidateOptionsResult.Fail(SettingsValidation.Failure(problem.Key, problem.Text)) : ValidateOptionsResult.Success;
    }

    private static (string Key, string Text)? Problem(IceSettings options)
    {
        var provider = options.Provider?.Trim().ToLowerInvariant();
        if (!string.IsNullOrEmpty(provider) && provider is not ("stun" or "coturn" or "twilio"))
        {
            return ("Ice:Provider", $"must be stun, coturn or twilio, not '{options.Provider}'");
        }

        return Urls("Ice:StunUrls", options.StunUrls, url => url.IsStun, "a stun: or stuns: URL such as stun:stun.example.org:3478")
            ?? (options.ActiveCoturn is { } coturn ? CoturnProblem(coturn, options.ProviderKind) : null)
            ?? (options.ActiveTwilio is { } twilio ? TwilioProblem(twilio) : null);
    }

    private static (string, string)? CoturnProblem(CoturnSettings coturn, IceProviderKind provider)
    {
        if (string.IsNullOrEmpty(coturn.Secret))
        {
            return ("Ice:Coturn:Secret", provider == IceProviderKind.Coturn
                ? "is required when Ice:Provider is coturn (the value of coturn's --static-auth-secret)"
                : "is required when any Ice:Coturn setting is given (coturn is then Twilio's fallback)");
        }

        if (coturn.SecretBytes.Length < CoturnSettings.MinimumSecretBytes)
        {
            // The length, never the value: this message is printed.
            return ("Ice:Coturn:Secret", $"must be at least {CoturnSettings.MinimumSecretBytes} bytes long, it has {coturn.SecretBytes.Length}");
        }

        if (Urls("Ice:Coturn:Urls", coturn.Urls, url => url.IsTurn, "a turn: or turns: URL such as turn:turn.example.org:3478?transport=udp") is { } wrong)
        {
            return wrong;
        }

        if (coturn.Urls.Length == 0)
        {
            return ("Ice:Coturn:Urls", "must list at least one turn: URL (Ice__Coturn__Urls__0=turn:HOST:3478?transport=udp, Ice__Coturn__Urls__1=turn:HOST:3478?transport=tcp)");
        }

        return Ttl("Ice:Coturn:TtlSeconds", coturn.Ttl);
    }

    private static (string, string)? TwilioProblem(TwilioSettings twilio)
    {
        if (string.IsNullOrEmpty(twilio.Account))
        {
            return ("Ice:Twilio:AccountSid", "is required when Ice:Provider is twilio");
        }

        if (!TwilioSettings.AccountSidPattern().IsMatch(twilio.Account))
        {
            return ("Ice:Twilio:AccountSid", "must be AC followed by 32 hexadecimal digits");
        }

        if (twilio.UsesApiKey)
        {
            if (!TwilioSettings.ApiKeySidPattern().IsMatch(twilio.ApiKeySid!.Trim()))
            {
                return ("Ice:Twilio:ApiKeySid", "must be SK followed by 32 hexadecimal digits");
            }

            if (string.IsNullOrEmpty(twilio.ApiKeySecret))
            {
                return ("Ice:Twilio:ApiKeySecret", "is required with Ice:Twilio:ApiKeySid");
            }
        }
        else if (string.IsNullOrEmpty(twilio.AuthToken))
        {
            return ("Ice:Twilio:ApiKeySid", "and Ice:Twilio:ApiKeySecret (or Ice:Twilio:AuthToken) are required when Ice:Provider is twilio");
        }

        if (twilio.BaseUrl is { Length: > 0 } baseText
            && (!Uri.TryCreate(baseText, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(baseUrl.Query)))
        {
            return ("Ice:Twilio:BaseUrl", $"must be an absolute http or https URL without a query, not '{baseText}'");
        }

        return Ttl("Ice:Twilio:TtlSeconds", twilio.Ttl);
    }

    // Each entry is named by its index (Ice:StunUrls:1), as an operator sets it.
    private static (string, string)? Urls(string key, string[] texts, Func<IceUrl, bool> accept, string expected)
    {
        for (var i = 0; i < texts.Length; i++)
        {
            if (!IceUrl.TryParse(texts[i]?.Trim(), out var url) || !accept(url))
            {
                return ($"{key}:{i}", $"must be {expected}, not '{texts[i]}'");
            }
        }

        return null;
    }

    private static (string, string)? Ttl(string key, int seconds) =>
        seconds is >= IceSettings.MinimumTtlSeconds and <= IceSettings.MaximumTtlSeconds
            ? null
            : (key, $"must be a whole number of seconds from {IceSettings.MinimumTtlSeconds} to {IceSettings.MaximumTtlSeconds}, not '{seconds}'");
}
