using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dilemma.Tests.Deployment;

namespace Dilemma.Tests.Telemetry;

/// <summary>The built gateway's own <c>appsettings.json</c>: what it logs at Information is one line a request, not the runtime's chatter.</summary>
public sealed partial class LogLevelTests
{
    [Fact]
    public async Task Grain_placements_write_no_log_line_at_Information()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await HostProcess.StartEmbeddedGatewayAsync(new Dictionary<string, string>(), ct);
        using var client = new HttpClient();

        // Each guest is a new user grain: its first call places an activation.
        for (var guest = 0; guest < 3; guest++)
        {
            using var response = await client.PostAsJsonAsync($"http://{gateway.Address}/auth/guest", new { nickname = $"placed{guest}" }, ct);
            Assert.True(response.IsSuccessStatusCode, $"POST /auth/guest: {(int)response.StatusCode}");
        }

        // The console logger writes in order: once the last sign-in's request line is out, so is everything logged during it.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (GuestRequestLine().Count(gateway.Output()) < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, ct);
        }

        var output = gateway.Output();
        Assert.True(GuestRequestLine().Count(output) == 3, "The three sign-ins' request lines did not appear within 30 s: " + output);
        var chatter = output.Split('\n').Where(line => line.StartsWith("info: Polly", StringComparison.Ordinal)).ToList();
        Assert.True(chatter.Count == 0, $"{chatter.Count} Polly lines at Information, e.g. {chatter.FirstOrDefault()}");
    }

    [GeneratedRegex("Path: /auth/guest")]
    private static partial Regex GuestRequestLine();
}
