using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Dilemma.Gateway.Ice;

/// <summary>
/// coturn with a shared secret (<c>Ice:Provider=coturn</c>), the TURN REST API scheme coturn implements with
/// <c>--use-auth-secret</c>: username <c>"{expiryUnixSeconds}:{userId}"</c>, credential
/// base64(HMAC-SHA1(secret, username)). Nothing is stored and coturn needs no call: it recomputes the
/// credential from the username and refuses it once the expiry has passed.
/// </summary>
internal sealed class CoturnIceSource(IceSettings settings, CoturnSettings coturn, TimeProvider time) : IIceConfigSource
{
    public const string Name = "coturn";

    public Task<IceConfig> GetAsync(long userId, CancellationToken cancellationToken)
    {
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds() + coturn.Ttl);
        var username = string.Create(CultureInfo.InvariantCulture, $"{expiresAt.ToUnixTimeSeconds()}:{userId}");
#pragma warning disable CA5350 // The TURN REST API scheme that coturn checks is defined with HMAC-SHA1; the secret and expiry carry the strength.
        var credential = Convert.ToBase64String(HMACSHA1.HashData(coturn.SecretBytes, Encoding.UTF8.GetBytes(username)));
#pragma warning restore CA5350
        IceServer[] servers =
        [
            StunIceSource.StunEntry(settings),
            new(coturn.TurnServers.Select(url => url.Text).ToArray(), username, credential),
        ];
        return Task.FromResult(new IceConfig(servers, true, coturn.Ttl, expiresAt, Name, null));
    }

    public async Task<IceHealth> CheckAsync(CancellationToken cancellationToken)
    {
        var probe = await StunProbe.BindAsync(coturn.ProbeTarget, cancellationToken);
        var realm = coturn.RealmName is null ? string.Empty : $" (realm {coturn.RealmName})";
        return new IceHealth(Name, probe.Answered, true, $"coturn at {probe.Detail}{realm}");
    }
}
