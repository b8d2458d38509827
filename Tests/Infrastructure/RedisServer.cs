using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dilemma.Tests.Infrastructure;

/// <summary>
/// A throw-away redis-server on a free loopback port, without persistence unless asked for an append-only file
/// (the failover run restarts it and needs the membership table to survive, as deploy/ configures production).
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private const int PortAttempts = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string _directory;
    private readonly int _port;
    private readonly bool _appendOnly;
    private ServerProcess _process;

    private RedisServer(ServerProcess process, string directory, int port, bool appendOnly)
    {
        _process = process;
        _directory = directory;
        _port = port;
        _appendOnly = appendOnly;
    }

    /// <summary>StackExchange.Redis configuration string: <c>127.0.0.1:PORT</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{_port}";

    public static async Task<RedisServer> StartAsync(string directory, CancellationToken cancellationToken, bool appendOnly = false)
    {
        Directory.CreateDirectory(directory);

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var process = ServerProcess.Start("redis-server", Executables.Find("redis-server"), Arguments(directory, port, appendOnly), directory);
            var server = new RedisServer(process, directory, port, appendOnly);
            try
            {
                await process.WaitUntilReadyAsync(server.AnswersAsync, StartTimeout, cancellationToken);
                return server;
            }
            catch (InvalidOperationException) when (attempt < PortAttempts && process.HasExited && LostPortRace(process))
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

    /// <summary>SIGKILL, then redis-server again on the same port and directory (its append-only file, if any), returning once it answers.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await _process.KillAsync(cancellationToken);
        await _process.DisposeAsync();
        _process = ServerProcess.Start("redis-server", Executables.Find("redis-server"), Arguments(_directory, _port, _appendOnly), _directory);
        await _process.WaitUntilReadyAsync(AnswersAsync, StartTimeout, cancellationToken);
    }

    /// <summary>For the test host's exit handler, which cannot await.</summary>
    public void Kill() => _process.Kill();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static string[] Arguments(string directory, int port, bool appendOnly) =>
    [
        // No snapshots; an append-only file only when asked: nothing else of a test run is worth keeping.
        "--save", "",
        // Written before each answer, synced each second: a killed process (not a lost machine) loses nothing it answered.
        "--appendonly", appendOnly ? "yes" : "no",
        "--appendfsync", "everysec",
        "--bind", "127.0.0.1",
        "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--daemonize", "no",
        "--dir", directory,
    ];

    private static bool LostPortRace(ServerProcess process) =>
        process.Output().Contains("Address already in use", StringComparison.Ordinal);

    /// <summary>A raw PING: unlike a multiplexer, it neither retries in the background nor hides a "-LOADING" answer.</summary>
    private async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, _port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, cancellationToken);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return false;
        }
    }
}
