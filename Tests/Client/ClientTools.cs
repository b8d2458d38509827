using Dilemma.Tests.Deployment;

namespace Dilemma.Tests.Client;

/// <summary>Tests/Client/tools: the TypeScript compiler, installed from its lock file (npm ci) on first use; test time only.</summary>
internal static class ClientTools
{
    private static readonly SemaphoreSlim Installing = new(1, 1);

    public static string Directory => Repository.PathOf("Tests", "Client", "tools");

    public static async Task<string> TypeScriptCompilerAsync()
    {
        var npm = FindOnPath("npm")
            ?? throw new InvalidOperationException("npm was not found on PATH: the web client's type check needs Node.js and npm (Debian: apt-get install nodejs npm).");
        await Installing.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            var compiler = Path.Combine(Directory, "node_modules", "typescript", "bin", "tsc");
            if (!File.Exists(compiler))
            {
                var install = await Command.RunAsync(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], Directory, TimeSpan.FromMinutes(5));
                Assert.True(install.ExitCode == 0, $"npm ci in Tests/Client/tools failed: {install.Output}");
            }

            return compiler;
        }
        finally
        {
            Installing.Release();
        }
    }

    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/local/bin"])
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
