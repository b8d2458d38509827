using System.Net;
using System.Text.RegularExpressions;
using Dilemma.Gateway.WebClient;
using Dilemma.Tests.Deployment;
using Dilemma.Tests.Hosting;
using Microsoft.AspNetCore.Http;

namespace Dilemma.Tests.Client;

/// <summary>GET / and its assets: the page, versioned asset URLs, the CSP and the headers nginx also sets.</summary>
public partial class WebClientHeadersTests(KestrelGatewayFixture gateway) : IClassFixture<KestrelGatewayFixture>
{
    private static readonly string[] NginxHeaders = ["X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy", "Permissions-Policy"];

    [Fact]
    public async Task The_page_is_served_at_the_root_with_a_strict_policy_and_revalidated_on_every_visit()
    {
        using var response = await gateway.Client.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("style-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);
        AssertNginxHeaders(response);

        // No inline script or style: every script and stylesheet comes from a versioned asset URL.
        Assert.DoesNotMatch(InlineScript(), html);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" style=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(WebClientAssets.AssetsToken, html, StringComparison.Ordinal);
        Assert.Matches(AssetUrl(), html);
    }

    [Fact]
    public async Task Assets_are_served_under_a_content_hash_and_cached_for_a_year()
    {
        var html = await gateway.Client.GetStringAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);
        var main = AssetUrl().Matches(html).Select(m => m.Value).Single(url => url.EndsWith("/main.js", StringComparison.Ordinal));

        foreach (var (path, type) in new[] { (main, "text/javascript"), (main.Replace("main.js", "i18n.js", StringComparison.Ordinal), "text/javascript"), (main.Replace("main.js", "styles.css", StringComparison.Ordinal), "text/css") })
        {
            using var response = await gateway.Client.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            var cache = response.Headers.CacheControl;
            Assert.NotNull(cache);
            Assert.True(cache.Public);
            Assert.Equal(TimeSpan.FromDays(365), cache.MaxAge);
            Assert.Contains(cache.Extensions, extension => extension.Name == "immutable");
            Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
            AssertNginxHeaders(response);
        }
    }

    [Fact]
    public async Task An_asset_under_another_version_or_an_unknown_name_is_404_and_not_cached()
    {
        var html = await gateway.Client.GetStringAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);
        var main = AssetUrl().Matches(html).Select(m => m.Value).Single(url => url.EndsWith("/main.js", StringComparison.Ordinal));
        var version = main.Split('/')[2];

        foreach (var path in new[] { main.Replace(version, "0000000000000000", StringComparison.Ordinal), main.Replace("main.js", "missing.js", StringComparison.Ordinal), main.Replace("main.js", "../index.html", StringComparison.Ordinal) })
        {
            using var response = await gateway.Client.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.True(response.Headers.CacheControl?.NoStore, $"{path} may be cached");
        }
    }

    [Fact]
    public void The_gateway_sets_the_same_security_headers_as_nginx()
    {
        // nginx adds these in front of every location; the gateway must not be weaker when it runs alone.
        var template = Repository.Read("nginx", "templates", "dilemma-proxy.inc.template");
        var nginx = NginxHeader().Matches(template).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value, StringComparer.OrdinalIgnoreCase);
        var ours = new HeaderDictionary();
        WebClientApi.AddSecurityHeaders(ours);

        Assert.NotEmpty(nginx);
        foreach (var (name, value) in nginx)
        {
            Assert.Equal(value, ours[name].ToString());
        }
    }

    private static void AssertNginxHeaders(HttpResponseMessage response)
    {
        foreach (var header in NginxHeaders)
        {
            Assert.True(response.Headers.Contains(header), $"{header} is missing from {response.RequestMessage?.RequestUri}");
        }

        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    [GeneratedRegex(@"^add_header (?<name>[A-Za-z-]+) ""(?<value>[^""]*)"" always;", RegexOptions.Multiline)]
    private static partial Regex NginxHeader();

    [GeneratedRegex(@"<script(?![^>]*\ssrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"/assets/[0-9a-f]{16}/[a-z0-9]+\.(js|css)")]
    private static partial Regex AssetUrl();
}
