using System.Globalization;
using System.Net;
using Dilemma.Tests.Infrastructure;

namespace Dilemma.Tests.Deployment;

/// <summary>
/// The built gateway (bin/…/Dilemma.Gateway.dll) as its own process on a loopback port, configured only through
/// environment variables as in a container, so that it can be killed for real.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly ServerProcess _process;

    private GatewayProcess(ServerProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public static async Task<GatewayProcess> StartAsync(string directory, int port, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var output = Repository.BuildOutput("Gateway");
        Directory.CreateDirectory(directory);
        var environment = Command.WithoutInheritedSettings().ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        // Its appsettings.json, as in the image's /app; the working directory holds only its pid file.
        environment["ASPNETCORE_CONTENTROOT"] = output;
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = ServerProcess.Start($"gateway on {port}", Executables.Find("dotnet"), [Path.Combine(output, "Dilemma.Gateway.dll")], directory, environment);
        var gateway = new GatewayProcess(process, port);
        try
        {
            await process.WaitUntilReadyAsync(gateway.IsReadyAsync, StartTimeout, cancellationToken);
            return gateway;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>What it has written lately (its request log: method, path, status).</summary>
    public string Output() => _process.Output();

    /// <summary>SIGKILL: no shutdown, no goodbye to nginx or the silos.</summary>
    public Task KillAsync(CancellationToken cancellationToken) => _process.KillAsync(cancellationToken);

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            return (await client.GetAsync($"http://{Address}/health/ready", cancellationToken)).StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
