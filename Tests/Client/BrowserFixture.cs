using Dilemma.Tests.Hosting;
using Microsoft.Playwright;

namespace Dilemma.Tests.Client;

/// <summary>
/// An embedded gateway on real Kestrel and Debian's chromium driven by Playwright: the browser is the
/// system's (executablePath), so nothing is downloaded; each test opens its own contexts (separate storage).
/// </summary>
public class BrowserFixture : KestrelGatewayFixture, IAsyncLifetime
{
    public BrowserFixture()
        : this(new Dictionary<string, string?>())
    {
    }

    /// <summary>For a gateway with more settings beside the loopback ICE (a shorter reconnection grace, say).</summary>
    protected BrowserFixture(Dictionary<string, string?> settings)
        : base(new Dictionary<string, string?>(LoopbackIce.Concat(settings)))
    {
    }

    /// <summary>No STUN server outside this machine: the browsers meet over host candidates on loopback.</summary>
    internal static Dictionary<string, string?> LoopbackIce => new() { ["Ice:StunUrls:0"] = "stun:127.0.0.1:3478" };

    /// <summary>Debian's chromium; CHROMIUM_PATH overrides it.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private static readonly string[] ChromiumArguments =
    [
        "--no-sandbox",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        "--allow-loopback-in-peer-connection",
        "--disable-features=WebRtcHideLocalIpsWithMdns",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--autoplay-policy=no-user-gesture-required",
    ];

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public new async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: the browser tests drive Debian's chromium (run `bash scripts/services.sh install`, or `apt-get install chromium`; CHROMIUM_PATH points elsewhere).");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await LaunchAsync(_playwright, ChromiumPath);
    }

    /// <summary>A fresh browser profile (its own localStorage and sessionStorage), at a given width.</summary>
    public Task<IPage> NewPageAsync(int width = 1366, int height = 900) => NewPageAsync(Browser, Address, width, height);

    /// <summary>Headless chromium with the recipe's flags (fake microphone, loopback candidates, nothing fetched in the background).</summary>
    internal static async Task<IBrowser> LaunchAsync(IPlaywright playwright, string executablePath)
    {
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executablePath,
            Headless = true,
            Args = ChromiumArguments,
        });
        Assertions.SetDefaultExpectTimeout(20_000);
        return browser;
    }

    /// <summary>A fresh profile on <paramref name="address"/>, microphone allowed; <paramref name="initScript"/> runs before the page's own.</summary>
    internal static async Task<IPage> NewPageAsync(IBrowser browser, Uri address, int width = 1366, int height = 900, string? initScript = null)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = address.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Permissions = ["microphone"],
        });
        if (initScript is not null)
        {
            await context.AddInitScriptAsync(initScript);
        }

        return await context.NewPageAsync();
    }

    public new async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        await base.DisposeAsync();
    }
}
