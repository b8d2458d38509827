using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Dilemma.Tests.Infrastructure;

/// <summary>
/// Debian's prometheus on a free loopback port, scraping the given targets every second, with its data in a
/// folder of its own; killed and deleted on dispose.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private const int PortAttempts = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly ServerProcess _process;
    private readonly string _directory;
    private readonly HttpClient _http;

    private PrometheusServer(ServerProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>Starts it with one scrape job per entry (job name and <c>host:port</c> targets), evaluating <paramref name="ruleFile"/> every second.</summary>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, string[]> jobs, string? ruleFile, CancellationToken cancellationToken)
    {
        var prometheus = Executables.Find("prometheus");
        var directory = Directory.CreateTempSubdirectory("dilemma-prometheus-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, Config(jobs, ruleFile), cancellationToken);

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            string[] arguments =
            [
                "--config.file=" + config,
                "--storage.tsdb.path=" + Path.Combine(directory, "data"),
                "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
                "--log.level=warn",
            ];
            var process = ServerProcess.Start("prometheus", prometheus, arguments, directory);
            var server = new PrometheusServer(process, directory, port);
            try
            {
                await process.WaitUntilReadyAsync(server.ReadyAsync, StartTimeout, cancellationToken);
                return server;
            }
            catch (InvalidOperationException) when (attempt < PortAttempts && process.HasExited && process.Output().Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Runs an instant PromQL query (<c>/api/v1/query</c>); the sum of the values of the series it returns, or null when none.</summary>
    public async Task<double?> QueryAsync(string promQl, CancellationToken cancellationToken)
    {
        _process.ThrowIfExited("during the test");
        using var response = await _http.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(promQl), cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (!response.IsSuccessStatusCode || body.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus refused '{promQl}': {body}");
        }

        var results = body.GetProperty("data").GetProperty("result");
        if (results.GetArrayLength() == 0)
        {
            return null;
        }

        return results.EnumerateArray().Sum(series => double.Parse(series.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture));
    }

    /// <summary>Asks until the query's value satisfies <paramref name="condition"/>; fails with the last answer at the deadline.</summary>
    public async Task<double> WaitForAsync(string promQl, Func<double, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        double? last = null;
        try
        {
            while (true)
            {
                last = await QueryAsync(promQl, deadline.Token);
                if (last is { } value && condition(value))
                {
                    return value;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var targets = await _http.GetStringAsync("/api/v1/targets", cancellationToken);
            throw new InvalidOperationException($"'{promQl}' was {last?.ToString(CultureInfo.InvariantCulture) ?? "no series"} after {timeout.TotalSeconds:0} s. Targets: {targets}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the dying process; the temp folder's owner cleans up.
        }
    }

    private static string Config(IReadOnlyDictionary<string, string[]> jobs, string? ruleFile)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("global:");
        yaml.AppendLine("  scrape_interval: 1s");
        yaml.AppendLine("  scrape_timeout: 1s");
        yaml.AppendLine("  evaluation_interval: 1s");
        if (ruleFile is not null)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"rule_files: ['{ruleFile}']\n");
        }

        yaml.AppendLine("scrape_configs:");
        foreach (var (job, targets) in jobs)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - job_name: {job}\n");
            yaml.AppendLine("    metrics_path: /metrics");
            yaml.Append(CultureInfo.InvariantCulture, $"    static_configs:\n      - targets: [{string.Join(", ", targets.Select(t => $"'{t}'"))}]\n");
        }

        return yaml.ToString();
    }

    private async Task<bool> ReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync("/-/ready", cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
