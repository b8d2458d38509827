using System.Diagnostics;
using System.Globalization;

namespace Dilemma.Tests.Infrastructure;

/// <summary>A child process whose output is kept (the last lines) so a failure can say why the server did not come up.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    /// <summary>Written into the server's directory so <see cref="RunDirectory"/> can end servers of a test run that was killed.</summary>
    public const string PidFileName = "server.pid";

    private const int KeptLines = 200;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private readonly Lock _outputLock = new();

    private ServerProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts a server; <paramref name="environment"/> sets variables on top of the test host's (a null value removes one).</summary>
    public static ServerProcess Start(
        string name, string fileName, IEnumerable<string> arguments, string workingDirectory, IEnumerable<KeyValuePair<string, string?>>? environment = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The test host's stdin is not the server's business.
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? [])
        {
            if (value is null)
            {
                startInfo.Environment.Remove(key);
            }
            else
            {
                startInfo.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = startInfo };
        var server = new ServerProcess(name, process);
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.Start();
        // Reading both pipes for the whole lifetime keeps a chatty server from blocking on a full pipe.
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        File.WriteAllText(Path.Combine(workingDirectory, PidFileName), process.Id.ToString(CultureInfo.InvariantCulture));
        return server;
    }

    /// <summary>Runs a one-shot command (such as mariadb-install-db) and throws with its output unless it exits with 0.</summary>
    public static async Task RunToCompletionAsync(
        string name, string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var run = Start(name, fileName, arguments, workingDirectory);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await run._process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"{name} did not finish within {timeout.TotalSeconds:0} s.{run.OutputForMessage()}");
        }

        if (run._process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{name} failed with exit code {run._process.ExitCode}.{run.OutputForMessage()}");
        }
    }

    /// <summary>Polls <paramref name="isReady"/> until it says yes; fails at once if the process exits, or at the deadline.</summary>
    public async Task WaitUntilReadyAsync(Func<CancellationToken, Task<bool>> isReady, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                if (_process.HasExited)
                {
                    // Lets the output readers reach the end of the pipes, so the message holds the server's last words.
                    await _process.WaitForExitAsync(deadline.Token);
                    ThrowIfExited("before it answered");
                }

                if (await isReady(deadline.Token))
                {
                    return;
                }

                // Waiting on the exit rather than sleeping: a server that dies is reported now, not at the deadline.
                using var poll = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                poll.CancelAfter(PollInterval);
                try
                {
                    await _process.WaitForExitAsync(poll.Token);
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                {
                    // The poll interval passed; ask again.
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"{Name} did not answer within {timeout.TotalSeconds:0} s.{OutputForMessage()}");
        }
    }

    public void ThrowIfExited(string when)
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} {when}.{OutputForMessage()}");
        }
    }

    public string Output()
    {
        lock (_outputLock)
        {
            return string.Join(Environment.NewLine, _output);
        }
    }

    /// <summary>Ends the process at once: its data is thrown away, so there is nothing to shut down cleanly for.</summary>
    /// <summary>Kills the process and returns once it is gone, with its ports closed.</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        Kill();
        await _process.WaitForExitAsync(cancellationToken);
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It had already exited.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // A process that survives SIGKILL for 10 s is the kernel's problem; do not hang the test run on it.
        }

        _process.Dispose();
    }

    private string OutputForMessage()
    {
        var output = Output();
        return output.Length == 0
            ? " It wrote nothing."
            : $" Its last output:{Environment.NewLine}{output}";
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputLock)
        {
            _output.Enqueue(line);
            if (_output.Count > KeptLines)
            {
                _output.Dequeue();
            }
        }
    }
}
