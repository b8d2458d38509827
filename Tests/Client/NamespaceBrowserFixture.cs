using Dilemma.Tests.Hosting;
using Dilemma.Tests.Ice;
using Dilemma.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Dilemma.Tests.Client;

/// <summary>
/// The architecture's WebRTC recipe: Debian's chromium and a coturn run inside a network namespace that has only
/// loopback, so no packet of the voice mesh can leave it; the gateway (embedded, on Kestrel in the test host) is
/// reached through a TCP forwarder that listens inside the namespace. The gateway hands out coturn's credentials.
/// </summary>
public sealed class NamespaceBrowserFixture : IAsyncLifetime
{
    private readonly string _directory = RunDirectory.Create();
    private NetworkNamespace? _space;
    private CoturnServer? _coturn;
    private CoturnGateway? _gateway;
    private NamespaceForwarder? _forwarder;
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The gateway as the browsers inside the namespace reach it.</summary>
    public Uri Address => _forwarder!.Address;

    /// <summary>The gateway's services, for reading what its in-memory research store kept.</summary>
    public IServiceProvider Services => _gateway!.Services;

    /// <summary>The interfaces inside the namespace, for the test to assert loopback alone.</summary>
    public IReadOnlyList<string> Interfaces => _space!.Interfaces();

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The voice mesh tests run the browsers in a Linux network namespace (ip netns); run them on Linux as root.");
        }

        if (!File.Exists(BrowserFixture.ChromiumPath))
        {
            throw new InvalidOperationException($"{BrowserFixture.ChromiumPath} is missing: the browser tests drive Debian's chromium (run `bash scripts/services.sh install`).");
        }

        _space = await NetworkNamespace.CreateAsync(Path.Combine(_directory, "netns"), ct);
        _coturn = await CoturnServer.StartAsync(Path.Combine(_directory, "coturn"), ct, _space);
        _gateway = new CoturnGateway(IceGateway.Coturn(_coturn.Instance));
        await _gateway.InitializeAsync();
        _forwarder = new NamespaceForwarder(_space, _gateway.Address);

        // Playwright starts the browser itself; this script puts it in the namespace (exec keeps its control pipes).
        var (ip, prefix) = _space.Command(BrowserFixture.ChromiumPath, []);
        var wrapper = Path.Combine(_directory, "chromium-in-netns");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec {ip} {string.Join(' ', prefix)} \"$@\"\n", ct);
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        _playwright = await Playwright.CreateAsync();
        Browser = await BrowserFixture.LaunchAsync(_playwright, wrapper);
    }

    /// <summary>A fresh profile whose every RTCPeerConnection is shaped by <paramref name="initScript"/> and kept in window.__pcs.</summary>
    public Task<IPage> NewPageAsync(string initScript) => BrowserFixture.NewPageAsync(Browser, Address, initScript: initScript);

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_forwarder is not null)
        {
            await _forwarder.DisposeAsync();
        }

        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_coturn is not null)
        {
            await _coturn.DisposeAsync();
        }

        if (_space is not null)
        {
            await _space.DisposeAsync();
        }

        RunDirectory.Delete(_directory);
    }

    private sealed class CoturnGateway(IDictionary<string, string?> settings) : KestrelGatewayFixture(settings);
}
