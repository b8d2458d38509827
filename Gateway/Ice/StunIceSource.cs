namespace Dilemma.Gateway.Ice;

/// <summary>
/// STUN only (<c>Ice:Provider=stun</c>, the default): the static list <c>Ice:StunUrls</c>, no credentials.
/// Peers behind symmetric NATs will not connect; configure coturn or Twilio for them.
/// </summary>
internal sealed class StunIceSource(IceSettings settings, TimeProvider time) : IIceConfigSource
{
    public const string Name = "stun";

    /// <summary>Nothing expires with STUN; a day only paces the clients' refreshes.</summary>
    private const int TtlSeconds = 86_400;

    public Task<IceConfig> GetAsync(long userId, CancellationToken cancellationToken) =>
        Task.FromResult(new IceConfig([StunEntry(settings)], false, TtlSeconds, time.GetUtcNow().AddSeconds(TtlSeconds), Name, null));

    public async Task<IceHealth> CheckAsync(CancellationToken cancellationToken)
    {
        if (!settings.ProbeStun)
        {
            // The listed servers are usually public ones; the gateway contacts them only when an operator says so.
            return new IceHealth(Name, true, false, $"not probed (Ice:ProbeStun is false); listing {string.Join(", ", settings.StunServers.Select(u => u.Text))}");
        }

        var probes = settings.StunServers.Where(url => url.IsPlainUdp).ToList();
        if (probes.Count == 0)
        {
            return new IceHealth(Name, true, false, "not probed: no stun: URL over plain UDP is listed");
        }

        var results = await Task.WhenAll(probes.Select(url => StunProbe.BindAsync(url, cancellationToken)));
        // Browsers use whichever answers, so one answering server is enough.
        return new IceHealth(Name, results.Any(r => r.Answered), true, string.Join("; ", results.Select(r => r.Detail)));
    }

    /// <summary>One entry with every STUN URL: <c>RTCIceServer.urls</c> takes a list.</summary>
    public static IceServer StunEntry(IceSettings settings) => new(settings.StunServers.Select(url => url.Text).ToArray(), null, null);
}
