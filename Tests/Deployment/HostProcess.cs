using System.Globalization;
using System.Net;
using Dilemma.Tests.Infrastructure;

namespace Dilemma.Tests.Deployment;

/// <summary>
/// A built host (bin/…/Dilemma.Gateway.dll or Dilemma.Silo.dll) as its own process with its HTTP port on loopback,
/// configured only through environment variables as in a container, so that it can be killed for real.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly ServerProcess _process;

    // A working directory this class made itself, and so removes once the process is gone.
    private string? _ownedDirectory;

    private HostProcess(ServerProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public static Task<HostProcess> StartGatewayAsync(string directory, int port, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken) =>
        StartAsync("Gateway", directory, port, settings, cancellationToken);

    /// <summary>
    /// An embedded-mode gateway on free ports (HTTP, and its in-process silo's two), with <paramref name="settings"/> on top,
    /// in a temporary working directory that goes with it.
    /// </summary>
    public static async Task<HostProcess> StartEmbeddedGatewayAsync(IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var all = new Dictionary<string, string>(settings, StringComparer.Ordinal)
        {
            ["Cluster__SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Cluster__GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
        };
        var directory = Directory.CreateTempSubdirectory("dilemma-gateway-").FullName;
        try
        {
            var host = await StartGatewayAsync(directory, FreePort.Next(), all, cancellationToken);
            host._ownedDirectory = directory;
            return host;
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>A silo: <paramref name="port"/> is its health port; its silo and gateway ports come with <paramref name="settings"/>.</summary>
    public static Task<HostProcess> StartSiloAsync(string directory, int port, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken) =>
        StartAsync("Silo", directory, port, settings, cancellationToken);

    private static async Task<HostProcess> StartAsync(string project, string directory, int port, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var output = Repository.BuildOutput(project);
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
        var process = ServerProcess.Start($"{project.ToLowerInvariant()} on {port}", Executables.Find("dotnet"), [Path.Combine(output, $"Dilemma.{project}.dll")], directory, environment);
        var host = new HostProcess(process, port);
        try
        {
            await process.WaitUntilReadyAsync(host.IsReadyAsync, StartTimeout, cancellationToken);
            return host;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>What it has written lately (its request log: method, path, status).</summary>
    public string Output() => _process.Output();

    /// <summary>SIGKILL: no shutdown, no goodbye to nginx, the silos or the clients.</summary>
    public Task KillAsync(CancellationToken cancellationToken) => _process.KillAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        if (_ownedDirectory is not null)
        {
            Directory.Delete(_ownedDirectory, recursive: true);
        }
    }

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
