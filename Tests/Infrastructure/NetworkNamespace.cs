using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Dilemma.Tests.Infrastructure;

/// <summary>
/// A Linux network namespace with only loopback up (<c>ip netns add</c>), the architecture's recipe for browser
/// WebRTC tests: whatever runs inside cannot send a packet off the machine, nor even to the host's own loopback.
/// Programs run inside through <see cref="Command"/>; a socket is made inside with <see cref="CreateSocket"/>
/// (a socket belongs to the namespace of the thread that created it, for its whole life).
/// </summary>
public sealed class NetworkNamespace : IAsyncDisposable
{
    private const int CloneNewNet = 0x40000000;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);

    private NetworkNamespace(string name) => Name = name;

    /// <summary><c>dilemma-PID-RANDOM</c>: unique per run, so helpers on one machine do not share one.</summary>
    public string Name { get; }

    /// <summary>Where <c>ip netns add</c> leaves the namespace for <c>setns</c>.</summary>
    public string Path => $"/var/run/netns/{Name}";

    public static async Task<NetworkNamespace> CreateAsync(string directory, CancellationToken cancellationToken)
    {
        string ip;
        try
        {
            ip = Executables.Find("ip");
        }
        catch (InvalidOperationException)
        {
            throw new InvalidOperationException("'ip' (iproute2) was not found: the voice tests run the browsers in a network namespace; `apt-get install iproute2`.");
        }

        var name = $"dilemma-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()}";
        Directory.CreateDirectory(directory);
        try
        {
            await ServerProcess.RunToCompletionAsync("ip netns add", ip, ["netns", "add", name], directory, CommandTimeout, cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException(
                $"Could not create a network namespace ({e.Message}). The voice tests need `ip netns add`, which needs root or CAP_SYS_ADMIN: run the tests as root.", e);
        }

        var created = new NetworkNamespace(name);
        try
        {
            await ServerProcess.RunToCompletionAsync("ip link set lo up", ip, ["netns", "exec", name, "ip", "link", "set", "lo", "up"], directory, CommandTimeout, cancellationToken);
        }
        catch
        {
            await created.DisposeAsync();
            throw;
        }

        return created;
    }

    /// <summary>The program name and leading arguments that run <paramref name="program"/> inside the namespace.</summary>
    public (string FileName, string[] Arguments) Command(string program, IEnumerable<string> arguments) =>
        (Executables.Find("ip"), ["netns", "exec", Name, program, .. arguments]);

    /// <summary>A socket created inside the namespace; it stays there for its whole life, whichever thread uses it.</summary>
    public Socket CreateSocket(AddressFamily family, SocketType type, ProtocolType protocol) =>
        Inside(() => new Socket(family, type, protocol));

    /// <summary>The interfaces the namespace has, as the kernel lists them in /proc/net/dev seen from inside.</summary>
    public IReadOnlyList<string> Interfaces() => Inside(() => File.ReadAllLines("/proc/thread-self/net/dev")
        .Skip(2)
        .Select(line => line.Split(':')[0].Trim())
        .ToList());

    /// <summary>
    /// Runs <paramref name="action"/> on a fresh thread that has joined the namespace (setns moves only the calling
    /// thread) and then ends, so no pooled thread of the test host is ever moved out of the host's namespace.
    /// </summary>
    private T Inside<T>(Func<T> action)
    {
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Read);
                if (NativeMethods.setns(handle.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns({Path}) failed with errno {Marshal.GetLastPInvokeError().ToString(CultureInfo.InvariantCulture)}.");
                }

                result = action();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or SocketException)
            {
                // Handed to the caller's thread below, with the namespace named.
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? result! : throw new InvalidOperationException($"Could not work inside network namespace {Name}: {failure.Message}", failure);
    }

    public async ValueTask DisposeAsync()
    {
        // Deleting it ends nothing that still runs inside; the servers and browsers are ended by their own owners first.
        await ServerProcess.RunToCompletionAsync("ip netns delete", Executables.Find("ip"), ["netns", "delete", Name], System.IO.Path.GetTempPath(), CommandTimeout, CancellationToken.None);
    }

    private static class NativeMethods
    {
        // DllImport, not LibraryImport: the generated stub needs unsafe code enabled for the whole test project.
#pragma warning disable SYSLIB1054
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int setns(int fd, int nstype);
#pragma warning restore SYSLIB1054
    }
}

/// <summary>
/// Forwards TCP connections made inside a <see cref="NetworkNamespace"/> to an address in the host's namespace, so
/// a browser inside reaches the test's gateway on Kestrel while its own packets (WebRTC, TURN) stay inside.
/// </summary>
public sealed class NamespaceForwarder : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;

    public NamespaceForwarder(NetworkNamespace space, Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener = space.CreateSocket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture)}/");
        _accepting = AcceptAsync(_stopping.Token);
    }

    /// <summary>The address inside the namespace.</summary>
    public Uri Address { get; }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Dispose();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var inside = await _listener.AcceptAsync(cancellationToken);
            _ = PumpAsync(inside, cancellationToken);
        }
    }

    private async Task PumpAsync(Socket inside, CancellationToken cancellationToken)
    {
        using var insideSocket = inside;
        using var outside = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await outside.ConnectAsync(_target, cancellationToken);
            await using var a = new NetworkStream(insideSocket, ownsSocket: false);
            await using var b = new NetworkStream(outside, ownsSocket: false);
            // Either side closing ends the pair; the browser and Kestrel both reconnect on their own.
            await Task.WhenAll(CopyAsync(a, b, outside, cancellationToken), CopyAsync(b, a, insideSocket, cancellationToken));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // The gateway gone or the test over: the browser sees a closed connection, as it would without us.
        }
    }

    private static async Task CopyAsync(Stream from, Stream to, Socket toSocket, CancellationToken cancellationToken)
    {
        try
        {
            await from.CopyToAsync(to, cancellationToken);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            // A connection torn down mid-copy (page closed, test over) ends this direction, not the test.
        }

        try
        {
            // Half-close: the other side sees end of stream as it would have without us in between.
            toSocket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // Already closed by the other side.
        }
    }
}
