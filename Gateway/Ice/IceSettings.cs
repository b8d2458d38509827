using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Dilemma.Grains.Settings;

namespace Dilemma.Gateway.Ice;

public enum IceProviderKind
{
    Stun,
    Coturn,
    Twilio,
}

/// <summary>ICE settings (section <c>Ice</c>), read and checked once at start-up.</summary>
public sealed class IceSettings
{
    /// <summary>Listed for browsers when nothing else is configured; the gateway itself never contacts it unless <c>Ice:ProbeStun</c> is true.</summary>
    public const string DefaultStunUrl = "stun:stun.l.google.com:19302";

    public const int MinimumTtlSeconds = 60;

    /// <summary>Twilio accepts at most a day; the same bound keeps coturn credentials from living longer.</summary>
    public const int MaximumTtlSeconds = 86_400;

    private const string Section = "Ice";

    private IceSettings(IceProviderKind provider, IReadOnlyList<IceUrl> stunUrls, bool probeStun, CoturnSettings? coturn, TwilioSettings? twilio)
    {
        Provider = provider;
        StunUrls = stunUrls;
        ProbeStun = probeStun;
        Coturn = coturn;
        Twilio = twilio;
    }

    public IceProviderKind Provider { get; }

    public IReadOnlyList<IceUrl> StunUrls { get; }

    public bool ProbeStun { get; }

    /// <summary>Set when <c>Ice:Provider</c> is coturn, or when coturn is configured as Twilio's fallback.</summary>
    public CoturnSettings? Coturn { get; }

    public TwilioSettings? Twilio { get; }

    public static IceSettings Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var providerText = section["Provider"];
        var provider = providerText?.Trim().ToLowerInvariant() switch
        {
            null or "" => IceProviderKind.Stun,
            "stun" => IceProviderKind.Stun,
            "coturn" => IceProviderKind.Coturn,
            "twilio" => IceProviderKind.Twilio,
            _ => throw new InvalidSettingException($"{Section}:Provider", $"must be stun, coturn or twilio, not '{providerText}'"),
        };

        var stunUrls = ReadUrls(section.GetSection("StunUrls"), url => url.IsStun, "a stun: or stuns: URL such as stun:stun.example.org:3478");
        if (stunUrls.Count == 0 && IceUrl.TryParse(DefaultStunUrl, out var standard))
        {
            stunUrls = [standard];
        }

        var probeStun = ReadBool(section, "ProbeStun");

        var coturnSection = section.GetSection("Coturn");
        var coturnConfigured = coturnSection.GetChildren().Any(child => child.Value is { Length: > 0 } || child.GetChildren().Any());
        var coturn = provider == IceProviderKind.Coturn || (provider == IceProviderKind.Twilio && coturnConfigured)
            ? CoturnSettings.Read(coturnSection, provider)
            : null;
        var twilio = provider == IceProviderKind.Twilio ? TwilioSettings.Read(section.GetSection("Twilio")) : null;
        return new IceSettings(provider, stunUrls, probeStun, coturn, twilio);
    }

    internal static IReadOnlyList<IceUrl> ReadUrls(IConfigurationSection section, Func<IceUrl, bool> accept, string expected)
    {
        var urls = new List<IceUrl>();
        // Either an array (Ice__StunUrls__0=…, Ice__StunUrls__1=…) or one comma-separated value.
        var entries = section.Value is { Length: > 0 } single
            ? single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(text => (section.Path, text))
            : section.GetChildren().Select(child => (child.Path, text: child.Value?.Trim() ?? string.Empty));
        foreach (var (path, text) in entries)
        {
            if (!IceUrl.TryParse(text, out var url) || !accept(url))
            {
                throw new InvalidSettingException(path, $"must be {expected}, not '{text}'");
            }

            urls.Add(url);
        }

        return urls;
    }

    internal static int ReadTtl(IConfigurationSection section, string name, int fallback)
    {
        var text = section[name];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= MinimumTtlSeconds and <= MaximumTtlSeconds
            ? value
            : throw new InvalidSettingException($"{section.Path}:{name}", $"must be a whole number of seconds from {MinimumTtlSeconds} to {MaximumTtlSeconds}, not '{text}'");
    }

    private static bool ReadBool(IConfigurationSection section, string name)
    {
        var text = section[name];
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        return bool.TryParse(text, out var value)
            ? value
            : throw new InvalidSettingException($"{section.Path}:{name}", $"must be true or false, not '{text}'");
    }
}

/// <summary>
/// coturn with <c>--use-auth-secret</c> (the TURN REST API scheme): the gateway signs
/// <c>"{expiry}:{userId}"</c> with the shared secret, and coturn checks the signature and the expiry.
/// A class rather than a record so the secret never appears in a <c>ToString()</c>.
/// </summary>
public sealed class CoturnSettings
{
    public const int MinimumSecretBytes = 16;
    public const int DefaultTtlSeconds = 3600;

    private CoturnSettings(IReadOnlyList<IceUrl> urls, byte[] secret, string? realm, int ttlSeconds)
    {
        Urls = urls;
        Secret = secret;
        Realm = realm;
        TtlSeconds = ttlSeconds;
    }

    /// <summary>The turn: URLs handed to browsers; the health probe asks the first one.</summary>
    public IReadOnlyList<IceUrl> Urls { get; }

    /// <summary>coturn's <c>--static-auth-secret</c>, as UTF-8.</summary>
    internal byte[] Secret { get; }

    /// <summary>coturn's <c>--realm</c>. Browsers learn it from the server; it is only reported by the health check.</summary>
    public string? Realm { get; }

    public int TtlSeconds { get; }

    public IceUrl ProbeTarget => Urls.FirstOrDefault(url => url.IsPlainUdp) ?? Urls[0];

    internal static CoturnSettings Read(IConfigurationSection section, IceProviderKind provider)
    {
        var secretKey = $"{section.Path}:Secret";
        var secretText = section["Secret"];
        if (string.IsNullOrEmpty(secretText))
        {
            throw new InvalidSettingException(secretKey, provider == IceProviderKind.Coturn
                ? "is required when Ice:Provider is coturn (the value of coturn's --static-auth-secret)"
                : "is required when any Ice:Coturn setting is given (coturn is then Twilio's fallback)");
        }

        var secret = Encoding.UTF8.GetBytes(secretText);
        if (secret.Length < MinimumSecretBytes)
        {
            // The length, never the value: this message is printed.
            throw new InvalidSettingException(secretKey, $"must be at least {MinimumSecretBytes} bytes long, it has {secret.Length}");
        }

        var urls = IceSettings.ReadUrls(section.GetSection("Urls"), url => url.IsTurn, "a turn: or turns: URL such as turn:turn.example.org:3478?transport=udp");
        if (urls.Count == 0)
        {
            throw new InvalidSettingException($"{section.Path}:Urls", "must list at least one turn: URL (Ice__Coturn__Urls__0=turn:HOST:3478?transport=udp, Ice__Coturn__Urls__1=turn:HOST:3478?transport=tcp)");
        }

        var realm = section["Realm"] is { Length: > 0 } text ? text.Trim() : null;
        return new CoturnSettings(urls, secret, realm, IceSettings.ReadTtl(section, "TtlSeconds", DefaultTtlSeconds));
    }
}

/// <summary>
/// Twilio's Network Traversal Service. Authenticates with an API key (preferred: revocable on its own)
/// or the account's auth token. A class rather than a record so the secret never appears in a <c>ToString()</c>.
/// </summary>
public sealed partial class TwilioSettings
{
    public const int DefaultTtlSeconds = 3600;

    private TwilioSettings(string accountSid, string username, string password, int ttlSeconds, Uri? baseUrl)
    {
        AccountSid = accountSid;
        Username = username;
        Password = password;
        TtlSeconds = ttlSeconds;
        BaseUrl = baseUrl;
    }

    public string AccountSid { get; }

    /// <summary>The API key SID, or the account SID when an auth token is used.</summary>
    internal string Username { get; }

    /// <summary>The API key secret or the auth token.</summary>
    internal string Password { get; }

    public int TtlSeconds { get; }

    /// <summary>Replaces https://api.twilio.com; only for tests against a local fake of Twilio's REST API.</summary>
    public Uri? BaseUrl { get; }

    internal static TwilioSettings Read(IConfigurationSection section)
    {
        var accountSid = section["AccountSid"]?.Trim();
        if (string.IsNullOrEmpty(accountSid))
        {
            throw new InvalidSettingException($"{section.Path}:AccountSid", "is required when Ice:Provider is twilio");
        }

        if (!SidPattern("AC").IsMatch(accountSid))
        {
            throw new InvalidSettingException($"{section.Path}:AccountSid", "must be AC followed by 32 hexadecimal digits");
        }

        var apiKeySid = section["ApiKeySid"]?.Trim();
        var apiKeySecret = section["ApiKeySecret"];
        var authToken = section["AuthToken"];
        string username;
        string password;
        if (!string.IsNullOrEmpty(apiKeySid))
        {
            if (!SidPattern("SK").IsMatch(apiKeySid))
            {
                throw new InvalidSettingException($"{section.Path}:ApiKeySid", "must be SK followed by 32 hexadecimal digits");
            }

            if (string.IsNullOrEmpty(apiKeySecret))
            {
                throw new InvalidSettingException($"{section.Path}:ApiKeySecret", "is required with Ice:Twilio:ApiKeySid");
            }

            (username, password) = (apiKeySid, apiKeySecret);
        }
        else if (!string.IsNullOrEmpty(authToken))
        {
            (username, password) = (accountSid, authToken);
        }
        else
        {
            throw new InvalidSettingException($"{section.Path}:ApiKeySid", "and Ice:Twilio:ApiKeySecret (or Ice:Twilio:AuthToken) are required when Ice:Provider is twilio");
        }

        Uri? baseUrl = null;
        if (section["BaseUrl"] is { Length: > 0 } baseText
            && (!Uri.TryCreate(baseText, UriKind.Absolute, out baseUrl) || baseUrl.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(baseUrl.Query)))
        {
            throw new InvalidSettingException($"{section.Path}:BaseUrl", $"must be an absolute http or https URL without a query, not '{baseText}'");
        }

        return new TwilioSettings(accountSid, username, password, IceSettings.ReadTtl(section, "TtlSeconds", DefaultTtlSeconds), baseUrl);
    }

    private static Regex SidPattern(string prefix) => prefix == "AC" ? AccountSidPattern() : ApiKeySidPattern();

    [GeneratedRegex("^AC[0-9a-fA-F]{32}$")]
    private static partial Regex AccountSidPattern();

    [GeneratedRegex("^SK[0-9a-fA-F]{32}$")]
    private static partial Regex ApiKeySidPattern();
}
