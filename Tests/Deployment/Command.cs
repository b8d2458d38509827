using System.Diagnostics;

namespace Dilemma.Tests.Deployment;

/// <summary>Runs a tool to completion (kubectl, npm, node, nginx -t, the built hosts' subcommands) and keeps what it wrote.</summary>
internal static class Command
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => $"{Stdout}{Environment.NewLine}{Stderr}".Trim();
    }

    public static async Task<Result> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        IEnumerable<KeyValuePair<string, string?>>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? [])
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)} did not finish within {timeout.TotalSeconds:0} s.");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Variables of the test host that would configure a child host behind the test's back.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> WithoutInheritedSettings() =>
        Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)
                || k.StartsWith("Cluster__", StringComparison.Ordinal)
                || k.StartsWith("Auth__", StringComparison.Ordinal)
                || k.StartsWith("Database__", StringComparison.Ordinal)
                || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
                || k.StartsWith("ORLEANS_", StringComparison.Ordinal)
                || k == "KUBERNETES_SERVICE_HOST")
            .Select(k => new KeyValuePair<string, string?>(k, null))
            .ToList();
}
