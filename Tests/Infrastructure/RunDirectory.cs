using System.Diagnostics;
using System.Globalization;

namespace Dilemma.Tests.Infrastructure;

/// <summary>The temporary folder that holds one test run's server data: <c>$TMPDIR/dilemma-tests-USER/PID-RANDOM</c>.</summary>
internal static class RunDirectory
{
    public static string Create()
    {
        // Per user, so two people on one machine do not trip over each other's permissions.
        var root = Path.Combine(Path.GetTempPath(), $"dilemma-tests-{Environment.UserName}");
        Directory.CreateDirectory(root);
        RemoveAbandoned(root);

        // Kept short: the MariaDB socket lives inside, and socket paths are limited to about 100 characters.
        var directory = Path.Combine(root, $"{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(directory);
        return directory;
    }

    public static void Delete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
    }

    /// <summary>
    /// Ends the servers and deletes the data of earlier runs whose test host died before its dispose ran
    /// (killed by a timeout, by the IDE, by Ctrl+C at the wrong moment); otherwise each such run leaves a
    /// MariaDB with a 256 MB buffer pool behind.
    /// </summary>
    private static void RemoveAbandoned(string root)
    {
        // The ownership check below reads /proc; elsewhere, leave old runs alone rather than guess.
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            var owner = Path.GetFileName(directory).Split('-')[0];
            if (!int.TryParse(owner, NumberStyles.None, CultureInfo.InvariantCulture, out var ownerId) || IsRunning(ownerId))
            {
                continue;
            }

            try
            {
                foreach (var pidFile in Directory.EnumerateFiles(directory, ServerProcess.PidFileName, SearchOption.AllDirectories))
                {
                    if (int.TryParse(File.ReadAllText(pidFile), NumberStyles.None, CultureInfo.InvariantCulture, out var serverId)
                        && WorksIn(serverId, directory))
                    {
                        KillProcess(serverId);
                    }
                }

                Delete(directory);
            }
            catch (IOException)
            {
                // Best effort (another test run may be removing the same folder right now); a later run tries again.
            }
            catch (UnauthorizedAccessException)
            {
                // Best effort; a later run tries again.
            }
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// True only if the process still works inside the abandoned folder, so a recycled process id never gets another
    /// program killed. The working directory is the proof: Redis rewrites its command line, but both servers chdir into their data.
    /// </summary>
    private static bool WorksIn(int processId, string directory)
    {
        try
        {
            var workingDirectory = new FileInfo($"/proc/{processId}/cwd").LinkTarget;
            return workingDirectory is not null
                && (workingDirectory + "/").StartsWith(directory + "/", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void KillProcess(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (ArgumentException)
        {
            // Exited meanwhile.
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }
}
