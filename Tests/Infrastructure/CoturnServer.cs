using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Dilemma.Tests.Infrastructure;

/// <summary>Where the test run's coturn listens and how to make credentials for it.</summary>
/// <param name="Host">Always 127.0.0.1.</param>
/// <param name="Port">UDP and TCP.</param>
/// <param name="Secret">coturn's <c>--static-auth-secret</c>.</param>
/// <param name="Realm">coturn's <c>--realm</c>.</param>
public sealed record CoturnInstance(string Host, int Port, string Secret, string Realm)
{
    public IPEndPoint EndPoint => new(IPAddress.Parse(Host), Port);

    public string UdpUrl => $"turn:{Host}:{Port.ToString(CultureInfo.InvariantCulture)}?transport=udp";

    public string TcpUrl => $"turn:{Host}:{Port.ToString(CultureInfo.InvariantCulture)}?transport=tcp";
}

/// <summary>
/// A throw-away coturn (turnserver) on loopback with the TURN REST API shared secret, as the architecture's recipe
/// runs it: own process, free port, relay ports from a range of its own, SQLite file and pid file in the run folder.
/// </summary>
internal sealed class CoturnServer : IAsyncDisposable
{
    public const string Realm = "dilemma.test";
    private const int PortAttempts = 3;
    private const int RelayPorts = 64;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly ServerProcess _process;

    private readonly NetworkNamespace? _space;

    private CoturnServer(ServerProcess process, CoturnInstance instance, NetworkNamespace? space)
    {
        _process = process;
        Instance = instance;
        _space = space;
    }

    public CoturnInstance Instance { get; }

    /// <summary>Starts one on the host's loopback, or on the loopback of <paramref name="space"/> when given.</summary>
    public static async Task<CoturnServer> StartAsync(string directory, CancellationToken cancellationToken, NetworkNamespace? space = null)
    {
        string turnserver;
        try
        {
            turnserver = Executables.Find("turnserver");
        }
        catch (InvalidOperationException)
        {
            throw new InvalidOperationException(
                "'turnserver' (coturn) was not found on PATH or in /usr/bin, /usr/sbin. The ICE tests start their own coturn: "
                + "run `bash scripts/services.sh install` (or `sudo apt-get install coturn`).");
        }

        Directory.CreateDirectory(directory);
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        // The secret goes in a file, not on the command line where any user's ps shows it.
        var configuration = Path.Combine(directory, "turnserver.conf");
        await File.WriteAllTextAsync(configuration, $"static-auth-secret={secret}\n", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(configuration, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        for (var attempt = 1; ; attempt++)
        {
            var port = FreeUdpAndTcpPort();
            // Relay ports below Linux's ephemeral range (32768 and up), so they do not collide with outgoing connections.
            var minPort = 20_000 + (RandomNumberGenerator.GetInt32(0, 12_000 / RelayPorts) * RelayPorts);
            string[] arguments =
            [
                // Our own file, so /etc/turnserver.conf (the machine's own coturn) is not read.
                "-c",
                configuration,
                "--listening-ip=127.0.0.1",
                "--relay-ip=127.0.0.1",
                $"--listening-port={port.ToString(CultureInfo.InvariantCulture)}",
                $"--min-port={minPort.ToString(CultureInfo.InvariantCulture)}",
                $"--max-port={(minPort + RelayPorts - 1).ToString(CultureInfo.InvariantCulture)}",
                "--use-auth-secret",
                $"--realm={Realm}",
                "--allow-loopback-peers",
                "--no-cli",
                "--no-tls",
                "--no-dtls",
                $"--userdb={Path.Combine(directory, "turndb")}",
                $"--pidfile={Path.Combine(directory, "turnserver.pid")}",
                // Its log goes to the kept output, so a failure message can quote it.
                "--log-file=stdout",
                "--simple-log",
            ];
            var (fileName, commandLine) = space is null ? (turnserver, arguments) : space.Command(turnserver, arguments);
            var process = ServerProcess.Start("turnserver", fileName, commandLine, directory);
            var server = new CoturnServer(process, new CoturnInstance("127.0.0.1", port, secret, Realm), space);
            try
            {
                await process.WaitUntilReadyAsync(server.AnswersAsync, StartTimeout, cancellationToken);
                return server;
            }
            catch (InvalidOperationException) when (attempt < PortAttempts && LostPortRace(process))
            {
                await process.DisposeAsync();
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }
    }

    public void ThrowIfExited() => _process.ThrowIfExited("during the test run");

    /// <summary>For the test host's exit handler, which cannot await.</summary>
    public void Kill() => _process.Kill();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static bool LostPortRace(ServerProcess process) =>
        process.Output().Contains("Address already in use", StringComparison.Ordinal);

    /// <summary>Readiness is a real STUN Binding answered over UDP, the first thing a browser asks.</summary>
    private async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        if (LostPortRace(_process))
        {
            // coturn keeps retrying a port it cannot bind instead of exiting; give up on this one at once.
            throw new InvalidOperationException($"turnserver could not bind 127.0.0.1:{Instance.Port}: Address already in use.");
        }

        // From inside the namespace when it runs in one: the host's loopback is another network.
        var socket = _space is null
            ? new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
            : _space.CreateSocket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        return await TurnClient.BindAsync(socket, Instance.EndPoint, TimeSpan.FromMilliseconds(500), cancellationToken) is not null;
    }

    /// <summary>A TCP port nothing listens on whose UDP twin is free too; coturn takes both.</summary>
    private static int FreeUdpAndTcpPort()
    {
        while (true)
        {
            var port = FreePort.Next();
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken for UDP; try another.
            }
        }
    }
}
