using Dilemma.Tests.Deployment;

namespace Dilemma.Tests.Client;

/// <summary>The web client has no build step, so its JSDoc types are what the compiler checks: tsc --noEmit --checkJs, strict.</summary>
public class ClientTypeCheckTests
{
    [Fact]
    public async Task The_web_client_type_checks_with_tsc()
    {
        var compiler = await ClientTools.TypeScriptCompilerAsync();
        var node = ClientTools.FindOnPath("node") ?? throw new InvalidOperationException("node was not found on PATH (Debian: apt-get install nodejs).");

        var check = await Command.RunAsync(node, [compiler, "--noEmit", "--checkJs", "-p", "tsconfig.json"], ClientTools.Directory, TimeSpan.FromMinutes(3));

        Assert.True(check.ExitCode == 0, $"tsc found type errors in Gateway/wwwroot/assets:{Environment.NewLine}{check.Output}");
    }

    [Fact]
    public void The_type_check_covers_every_module_of_the_client()
    {
        // tsconfig's include is a glob over the assets folder: a module outside it would go unchecked.
        var modules = Directory.GetFiles(Repository.PathOf("Gateway", "wwwroot"), "*.js", SearchOption.AllDirectories);
        var assets = Repository.PathOf("Gateway", "wwwroot", "assets") + Path.DirectorySeparatorChar;

        Assert.NotEmpty(modules);
        Assert.All(modules, module => Assert.StartsWith(assets, module, StringComparison.Ordinal));
        Assert.Contains("\"../../../Gateway/wwwroot/assets/**/*.js\"", File.ReadAllText(Path.Combine(ClientTools.Directory, "tsconfig.json")), StringComparison.Ordinal);
    }
}
