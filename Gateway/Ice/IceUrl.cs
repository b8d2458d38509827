using System.Globalization;

namespace Dilemma.Gateway.Ice;

/// <summary>
/// A <c>stun:</c>, <c>stuns:</c>, <c>turn:</c> or <c>turns:</c> URL (RFC 7064, RFC 7065), parsed only as far as
/// start-up validation and the health probe need: scheme, host, port, transport.
/// </summary>
public sealed record IceUrl(string Text, string Scheme, string Host, int Port, string? Transport)
{
    public bool IsStun => Scheme is "stun" or "stuns";

    public bool IsTurn => Scheme is "turn" or "turns";

    /// <summary>Whether a client reaches it over plain UDP, which is what a STUN Binding probe speaks.</summary>
    public bool IsPlainUdp => Scheme is "stun" or "turn" && Transport is null or "udp";

    /// <summary>URLs that validation has accepted, parsed.</summary>
    public static IReadOnlyList<IceUrl> ParseAll(IEnumerable<string> texts) =>
        texts.Select(text => TryParse(text?.Trim(), out var url) ? url : throw new InvalidOperationException($"'{text}' is not an ICE URL; start-up validation should have refused it.")).ToList();

    public static bool TryParse(string? text, out IceUrl url)
    {
        url = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        var scheme = text[..colon].ToLowerInvariant();
        if (scheme is not ("stun" or "stuns" or "turn" or "turns"))
        {
            return false;
        }

        var rest = text[(colon + 1)..];
        string? transport = null;
        var query = rest.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            // RFC 7065 allows exactly one parameter, and only on turn(s): URLs.
            var parameter = rest[(query + 1)..].ToLowerInvariant();
            rest = rest[..query];
            if (scheme is "stun" or "stuns" || parameter is not ("transport=udp" or "transport=tcp"))
            {
                return false;
            }

            transport = parameter["transport=".Length..];
        }

        string host;
        string? portText = null;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = rest[1..close];
            var after = rest[(close + 1)..];
            if (after.Length > 0)
            {
                if (!after.StartsWith(':'))
                {
                    return false;
                }

                portText = after[1..];
            }

            if (!System.Net.IPAddress.TryParse(host, out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }
        }
        else
        {
            var portColon = rest.LastIndexOf(':');
            host = portColon >= 0 ? rest[..portColon] : rest;
            portText = portColon >= 0 ? rest[(portColon + 1)..] : null;
            if (Uri.CheckHostName(host) is not (UriHostNameType.Dns or UriHostNameType.IPv4))
            {
                return false;
            }
        }

        // Default ports: 3478 for plain, 5349 for TLS (RFC 7064 section 3.1, RFC 7065 section 3.1).
        var port = scheme.EndsWith('s') ? 5349 : 3478;
        if (portText is not null && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            return false;
        }

        url = new IceUrl(text, scheme, host, port, transport);
        return true;
    }
}
