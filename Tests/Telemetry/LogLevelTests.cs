using System.Net.Http.Json;
using Dilemma.Tests.Deployment;

namespace Dilemma.Tests.Telemetry;

/// <summary>The built gateway's own <c>appsettings.json</c>: what it logs at Information is one line a request, not the runtime's chatter.</summary>
public sealed class LogLevelTests
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
        while (CountOf(gateway.Output(), "Path: /auth/guest") < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, ct);
        }

        var output = gateway.Output();
        Assert.True(CountOf(output, "Path: /auth/guest") == 3, "The three sign-ins' request lines did not appear within 30 s: " + output);
        var chatter = output.Split('\n').Where(line => line.StartsWith("info: Polly", StringComparison.Ordinal)).ToList();
        Assert.True(chatter.Count == 0, $"{chatter.Count} Polly lines at Information, e.g. {chatter.FirstOrDefault()}");
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
