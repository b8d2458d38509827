using System.Text.Json;
using Dilemma.Grains.Research;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>
/// The web app's own voice mesh, three browsers inside a network namespace that has only loopback: every page's
/// two links reach connected and carry audio from the fake microphone, over host candidates and relayed by coturn;
/// after a round each browser's getStats() summary of its two links (link_quality) is in the research store.
/// </summary>
public class VoiceNamespaceTests(NamespaceBrowserFixture browsers) : IClassFixture<NamespaceBrowserFixture>
{
    private static readonly TimeSpan MeshDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    // Each link's state, audio packets received and the selected candidate pair's types, for every connection still open.
    private const string LinksScript = """
        async () => {
          const links = [];
          for (const pc of window.__pcs.filter(p => p.connectionState !== 'closed')) {
            const stats = await pc.getStats();
            let packets = 0, pairId = null;
            stats.forEach(s => {
              if (s.type === 'inbound-rtp' && s.kind === 'audio') packets += s.packetsReceived ?? 0;
              if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
            });
            const pair = pairId ? stats.get(pairId) : null;
            links.push({
              state: pc.connectionState,
              packets,
              local: pair ? stats.get(pair.localCandidateId)?.candidateType ?? null : null,
              remote: pair ? stats.get(pair.remoteCandidateId)?.candidateType ?? null : null,
            });
          }
          return links;
        }
        """;

    [Fact]
    public async Task The_voice_mesh_connects_over_host_candidates_inside_a_loopback_only_namespace()
    {
        // No ICE servers at all: the browsers can only offer their host candidates on the namespace's loopback.
        var (links, reports) = await PlayVoiceAsync("Host", "{ ...c, iceServers: [] }", "connected");
        // The remote side may read prflx: a check from the peer's host address that arrived before its
        // candidate did over signaling. With no STUN or TURN server that address can only be a host one.
        Assert.All(links, link => Assert.Equal("host", link.Local));
        Assert.All(links, link => Assert.Contains(link.Remote, new[] { "host", "prflx" }));
        Assert.All(reports, report => Assert.False(report.Relayed));
    }

    [Fact]
    public async Task The_voice_mesh_connects_relay_only_through_coturn_inside_a_loopback_only_namespace()
    {
        // The gateway's coturn credentials, and relay candidates only: every packet goes through the TURN server.
        var (links, reports) = await PlayVoiceAsync("Relay", "{ ...c, iceTransportPolicy: 'relay' }", "relayed");
        Assert.All(links, link => Assert.Equal(("relay", "relay"), (link.Local, link.Remote)));
        Assert.All(reports, report => Assert.True(report.Relayed));
    }

    /// <summary>
    /// Seats three players, waits until every page has two connected links with audio in, plays round 1, and returns
    /// all six links and the six link_quality rows the browsers sent for round 1 (each user one row per other user).
    /// </summary>
    private async Task<(List<Link> Links, IReadOnlyList<ConnectionQualityRecord> Reports)> PlayVoiceAsync(string name, string shape, string shownState)
    {
        Assert.Equal(["lo"], browsers.Interfaces);
        var initScript = $$"""
            (() => {
              const Native = window.RTCPeerConnection;
              const shape = (c) => ({{shape}});
              window.__pcs = [];
              window.RTCPeerConnection = class extends Native {
                constructor(c) { super(shape(c ?? {})); window.__pcs.push(this); }
                setConfiguration(c) { super.setConfiguration(shape(c ?? {})); }
              };
            })();
            """;
        var (pages, code) = await ClientFlows.SeatThreePlayersAsync(() => browsers.NewPageAsync(initScript), name);

        var all = new List<Link>();
        foreach (var page in pages)
        {
            var links = await WaitForAudioOnBothLinksAsync(page);
            await Expect(page.Locator($"#links li[data-state={shownState}]")).ToHaveCountAsync(2, new() { Timeout = 30_000 });
            all.AddRange(links);
        }

        await ClientFlows.StartGameAsync(pages, scan: false);
        await ClientFlows.PlayRoundAsync(pages, 1, scan: false);
        var reports = await WaitForLinkReportsAsync(code);
        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }

        var users = reports.Select(r => r.UserId).Distinct().ToList();
        Assert.Equal(3, users.Count);
        foreach (var user in users)
        {
            Assert.Equal(users.Where(u => u != user).Select(u => (long?)u).Order(), reports.Where(r => r.UserId == user).Select(r => r.PeerUserId).Order());
        }

        Assert.All(reports, report =>
        {
            Assert.Equal(1, report.RoundNumber);
            Assert.Equal("connected", report.ConnectionState);
            Assert.True(report.PacketsReceived > 0, $"{report} has no inbound packets");
            Assert.True(report.RoundTripMs >= 0, $"{report} has no round-trip time");
            Assert.True(report.JitterMs >= 0, $"{report} has no jitter");
            Assert.NotNull(report.PacketsLost);
        });
        return (all, reports);
    }

    /// <summary>Round 1's reports, once all three browsers' two links each have arrived (sent when the consensus came in).</summary>
    private async Task<IReadOnlyList<ConnectionQualityRecord>> WaitForLinkReportsAsync(string code)
    {
        var store = browsers.Services.GetRequiredService<InMemoryResearchStore>();
        var deadline = DateTimeOffset.UtcNow + MeshDeadline;
        while (true)
        {
            var reports = store.ConnectionQuality(code);
            if (reports.Count >= 6)
            {
                Assert.Equal(6, reports.Count);
                return reports;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"Within {MeshDeadline.TotalSeconds} s the browsers sent {reports.Count} of round 1's six link reports.");
            await Task.Delay(PollInterval, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<List<Link>> WaitForAudioOnBothLinksAsync(IPage page)
    {
        // Polled from here: getStats() is asynchronous, and Playwright's WaitForFunction takes a promise as truthy.
        // One snapshot both decides and is returned, so what is asserted is what was waited for.
        var deadline = DateTimeOffset.UtcNow + MeshDeadline;
        while (true)
        {
            var links = (await page.EvaluateAsync<JsonElement>(LinksScript)).EnumerateArray().Select(l => new Link(
                l.GetProperty("state").GetString()!,
                l.GetProperty("packets").GetInt32(),
                l.GetProperty("local").GetString(),
                l.GetProperty("remote").GetString())).ToList();
            if (links.Count == 2 && links.All(l => l.State == "connected" && l.Packets > 0))
            {
                return links;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"Within {MeshDeadline.TotalSeconds} s the page did not have two connected links with inbound audio; it had: {string.Join(", ", links)}");
            await Task.Delay(PollInterval, TestContext.Current.CancellationToken);
        }
    }

    private sealed record Link(string State, int Packets, string? Local, string? Remote);
}
