using System.Text.Json;
using Dilemma.Tests.Deployment;

namespace Dilemma.Tests.Telemetry;

/// <summary><c>Logging:Format=json</c>: the built gateway, as its own process, writes one JSON object a line, with the trace id.</summary>
public sealed class JsonLogTests
{
    [Fact]
    public async Task With_Logging_Format_json_every_line_is_a_JSON_object_and_request_lines_carry_the_trace_id()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await HostProcess.StartEmbeddedGatewayAsync(new Dictionary<string, string> { ["Logging__Format"] = "json" }, ct);
        using var client = new HttpClient();
        var path = "/health?probe=" + Guid.NewGuid().ToString("N");
        using (var response = await client.GetAsync($"http://{gateway.Address}{path}", ct))
        {
            Assert.True(response.IsSuccessStatusCode);
        }

        JsonElement? request = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (request is null && DateTime.UtcNow < deadline)
        {
            var lines = gateway.Output().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var line in lines)
            {
                using var document = JsonDocument.Parse(line);
                var entry = document.RootElement.Clone();
                Assert.True(entry.TryGetProperty("LogLevel", out _), line);
                if (entry.GetProperty("Category").GetString() == "Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware"
                    && entry.GetProperty("Message").GetString()!.Contains("/health", StringComparison.Ordinal))
                {
                    request = entry;
                }
            }

            if (request is null)
            {
                await Task.Delay(100, ct);
            }
        }

        Assert.True(request is not null, "No request log line within 30 s: " + gateway.Output());
        var scopes = request.Value.GetProperty("Scopes").EnumerateArray().ToList();
        var traceId = scopes.Select(scope => scope.TryGetProperty("TraceId", out var id) ? id.GetString() : null).FirstOrDefault(id => id is not null);
        Assert.Matches("^[0-9a-f]{32}$", traceId);
    }
}
