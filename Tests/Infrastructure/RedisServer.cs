using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dilemma.Tests.Infrastructure;

/// <summary>A throw-away redis-server on a free loopback port, without persistence.</summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private const int PortAttempts = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly ServerProcess _process;
    private readonly int _port;

    private RedisServer(ServerProcess process, int port)
    {
        _process = process;
        _port = port;
    }

    /// <summary>StackExchange.Redis configuration string: <c>127.0.0.1:PORT</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{_port}";

    public static async Task<RedisServer> StartAsync(string directory, CancellationToken cancellationToken)
    {
        var redisServer = Executables.Find("redis-server");
        Directory.CreateDirectory(directory);

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            string[] arguments =
            [
                // No snapshots, no append-only file: nothing of a test run is worth keeping.
                "--save", "",
                "--appendonly", "no",
                "--bind", "127.0.0.1",
                "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--daemonize", "no",
                "--dir", directory,
            ];
            var process = ServerProcess.Start("redis-server", redisServer, arguments, directory);
            var server = new RedisServer(process, port);
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

    /// <summary>For the test host's exit handler, which cannot await.</summary>
    public void Kill() => _process.Kill();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

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
