using System.Net.Sockets;
using MySqlConnector;

namespace Dilemma.Tests.Infrastructure;

/// <summary>A throw-away mariadbd on a free loopback port, root without a password, data in <c>directory/data</c>.</summary>
internal sealed class MariaDbServer : IAsyncDisposable
{
    private const int PortAttempts = 3;
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory;
    private readonly string _dataDirectory;
    private readonly int _port;
    private ServerProcess _process;

    private MariaDbServer(ServerProcess process, string directory, string dataDirectory, int port)
    {
        _process = process;
        _directory = directory;
        _dataDirectory = dataDirectory;
        _port = port;
        RootConnectionString = new MySqlConnectionStringBuilder
        {
            Server = "127.0.0.1",
            Port = (uint)port,
            UserID = "root",
        }.ConnectionString;
    }

    /// <summary>Root, no database selected.</summary>
    public string RootConnectionString { get; }

    public static async Task<MariaDbServer> StartAsync(string directory, CancellationToken cancellationToken)
    {
        var mariadbd = Executables.Find("mariadbd");
        var installDb = Executables.Find("mariadb-install-db");
        var dataDirectory = Path.Combine(directory, "data");
        Directory.CreateDirectory(TemporaryDirectory(directory));

        // --no-defaults everywhere: /etc/mysql belongs to the machine's own server, not to the tests.
        // "normal" gives root@127.0.0.1 without a password instead of unix-socket authentication.
        List<string> install =
        [
            "--no-defaults",
            $"--datadir={dataDirectory}",
            $"--tmpdir={TemporaryDirectory(directory)}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
        ];
        AddUserIfRoot(install);
        await ServerProcess.RunToCompletionAsync("mariadb-install-db", installDb, install, directory, InstallTimeout, cancellationToken);

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var process = ServerProcess.Start("mariadbd", mariadbd, ServerArguments(directory, dataDirectory, port), directory);
            var server = new MariaDbServer(process, directory, dataDirectory, port);
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

    /// <summary>
    /// SIGKILL, then mariadbd again on the same data directory, port and socket, returning once it answers:
    /// a database crash and restart as the failover run (#16) needs it. InnoDB recovers from its redo log;
    /// with <c>innodb-flush-log-at-trx-commit=2</c> a killed process (not a lost machine) loses no commit.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await KillAsync(cancellationToken);
        await StartAgainAsync(cancellationToken);
    }

    /// <summary>SIGKILL, leaving the database down until <see cref="StartAgainAsync"/>: an outage as long as a test needs.</summary>
    public Task KillAsync(CancellationToken cancellationToken) => _process.KillAsync(cancellationToken);

    /// <summary>mariadbd again on the same data directory, port and socket, returning once it answers.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken)
    {
        // The killed process is disposed only now, so that disposing the server mid-outage is still safe.
        await _process.DisposeAsync();
        _process = ServerProcess.Start("mariadbd", Executables.Find("mariadbd"), ServerArguments(_directory, _dataDirectory, _port), _directory);
        await _process.WaitUntilReadyAsync(AnswersAsync, StartTimeout, cancellationToken);
    }

    /// <summary>For the test host's exit handler, which cannot await.</summary>
    public void Kill() => _process.Kill();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static List<string> ServerArguments(string directory, string dataDirectory, int port)
    {
        List<string> arguments =
        [
            // Must come first, or mariadbd reads /etc/mysql anyway.
            "--no-defaults",
            $"--datadir={dataDirectory}",
            $"--tmpdir={TemporaryDirectory(directory)}",
            $"--port={port}",
            "--bind-address=127.0.0.1",
            $"--socket={Path.Combine(directory, "mysqld.sock")}",
            $"--pid-file={Path.Combine(directory, "mysqld.pid")}",
            "--skip-name-resolve",
            // Durability is worthless for data deleted at the end of the run; speed is not.
            "--skip-log-bin",
            "--innodb-flush-log-at-trx-commit=2",
            "--innodb-buffer-pool-size=256M",
            // Every test class may hold a connection pool of its own.
            "--max-connections=500",
            // Same as production, so collation-dependent behaviour (unique keys on names) is what ships.
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
            "--max-allowed-packet=64M",
        ];
        AddUserIfRoot(arguments);
        return arguments;
    }

    /// <summary>
    /// MariaDB's internal temporary tables, which default to /tmp. Every mariadbd deletes the <c>#sql*</c> files it
    /// finds in its tmpdir when it starts, so a server started beside another (a second test collection's, or the
    /// shared one from scripts/services.sh) deletes that one's live tables: it failed mariadb-install-db in a CI run
    /// ("Could not remove temporary table", then "Unknown table 'mysql.tmp_user_sys'").
    /// </summary>
    private static string TemporaryDirectory(string directory) => Path.Combine(directory, "tmp");

    /// <summary>mariadbd refuses to run as root unless told to; CI runs as root.</summary>
    private static void AddUserIfRoot(List<string> arguments)
    {
        if (Environment.IsPrivilegedProcess)
        {
            arguments.Add("--user=root");
        }
    }

    private static bool LostPortRace(ServerProcess process) =>
        process.Output().Contains("Address already in use", StringComparison.Ordinal);

    private async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        // No pooling: a pooled probe connection would outlive the probe and count against the server.
        var probe = new MySqlConnectionStringBuilder(RootConnectionString) { Pooling = false, ConnectionTimeout = 2 };
        try
        {
            await using var connection = new MySqlConnection(probe.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new MySqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is MySqlException or SocketException or IOException)
        {
            return false;
        }
    }
}
