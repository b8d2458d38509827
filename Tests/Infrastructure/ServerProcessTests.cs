using System.Diagnostics;

namespace Dilemma.Tests.Infrastructure;

/// <summary>How the fixture behaves when a server does not come up: fast, and with the reason.</summary>
public sealed class ServerProcessTests
{
    [Fact]
    public async Task Server_that_dies_while_starting_fails_at_once_with_its_output()
    {
        var ct = TestContext.Current.CancellationToken;
        var directory = Directory.CreateTempSubdirectory("dilemma-serverprocess-").FullName;
        try
        {
            await using var process = ServerProcess.Start(
                "fake-server", "/bin/sh", ["-c", "echo 'cannot bind: Address already in use' >&2; exit 3"], directory);
            var clock = Stopwatch.StartNew();

            var error = await Assert.ThrowsAsync<InvalidOperationException>(
                () => process.WaitUntilReadyAsync(_ => Task.FromResult(false), TimeSpan.FromMinutes(5), ct));

            Assert.Contains("exited with code 3", error.Message, StringComparison.Ordinal);
            Assert.Contains("cannot bind: Address already in use", error.Message, StringComparison.Ordinal);
            // Far below the 5 minute deadline: the exit, not the deadline, ended the wait.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Missing_binary_names_the_install_command()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Executables.Find("no-such-server-binary"));

        Assert.Contains("scripts/services.sh install", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install mariadb-server redis-server", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Servers_of_a_killed_test_run_are_ended_and_their_data_deleted()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "The clean-up reads /proc.");
        var ct = TestContext.Current.CancellationToken;
        // The owner id int.MaxValue is never a live process, so this folder looks like a run whose host was killed.
        var own = RunDirectory.Create();
        RunDirectory.Delete(own);
        var root = Path.GetDirectoryName(own)!;
        var abandoned = Path.Combine(root, $"{int.MaxValue}-{Guid.NewGuid().ToString("N")[..8]}");
        var serverDirectory = Path.Combine(abandoned, "redis");
        Directory.CreateDirectory(serverDirectory);
        await using var orphan = ServerProcess.Start("orphan", "/bin/sleep", ["300"], serverDirectory);

        var next = RunDirectory.Create();
        RunDirectory.Delete(next);

        Assert.False(Directory.Exists(abandoned));
        // Reports the exit as soon as it happens; a survivor would be reported as "did not answer" after 10 s.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => orphan.WaitUntilReadyAsync(_ => Task.FromResult(false), TimeSpan.FromSeconds(10), ct));
        Assert.Contains("exited", error.Message, StringComparison.Ordinal);
    }
}
