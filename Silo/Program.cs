using Dilemma.Hosting.Settings;
using Dilemma.Hosting;
using Dilemma.Grains.Storage;
using Dilemma.Silo.Accounts;
using Dilemma.Silo.LegacyImport;

namespace Dilemma.Silo;

// A named class rather than top-level statements: the tests reference both hosts, and two
// global `Program` types would collide.
public static class SiloProgram
{
    public static async Task<int> Main(string[] args)
    {
        try
        {
            if (args is [HealthProbe.Command, ..])
            {
                // `dotnet Dilemma.Silo.dll healthcheck [path]`: Docker's HEALTHCHECK (the image has no curl).
                return await HealthProbe.RunAsync(args, Environment.GetEnvironmentVariable, Console.Out, CancellationToken.None);
            }

            if (args is ["migrate", ..])
            {
                // `dotnet run --project Silo -- migrate`: apply the schema and exit (a Kubernetes Job or a compose one-shot).
                var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args[1..]).Build();
                await SchemaMigrator.MigrateAsync(ConnectionStringSettings.Read(configuration).RequireMySql());
                await Console.Out.WriteLineAsync("Schema is up to date.");
                return 0;
            }

            if (args is [LegacyImportCommand.Name, ..])
            {
                // `dotnet run --project Silo -- import-legacy --from "<MySQL connection string>"`: the original
                // system's data into ConnectionStrings__MySql; Ctrl+C stops it between batches, a rerun goes on.
                var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args[1..]).Build();
                using var stop = new CancellationTokenSource();
                Console.CancelKeyPress += (_, e) =>
                {
                    e.Cancel = true;
                    stop.Cancel();
                };
                return await LegacyImportCommand.RunAsync(configuration, Console.Out, Console.Error, !Console.IsErrorRedirected, stop.Token);
            }

            if (args is [RoleCommand.Grant or RoleCommand.Revoke, ..])
            {
                // `dotnet run --project Silo -- grant-role alice admin` (or revoke-role): the operator's
                // way to the first admin, against ConnectionStrings__MySql; applies the schema first.
                var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
                return await RoleCommand.RunAsync(args, ConnectionStringSettings.Read(configuration).RequireMySql(), Console.Out, Console.Error, CancellationToken.None);
            }

            var app = SiloHost.Build(args);
            ConfigurationErrors.ValidateSettings(app.Services);
            await SiloHost.MigrateIfConfiguredAsync(app, CancellationToken.None);
            await app.RunAsync();
            return 0;
        }
        catch (Exception e) when (ConfigurationErrors.Describe(e) is not null)
        {
            // A wrong setting, found by our readers or by an options class's ValidateOnStart: one line, exit code 2.
            await Console.Error.WriteLineAsync($"Configuration error: {ConfigurationErrors.Describe(e)}");
            return ConfigurationErrors.ExitCode;
        }
    }
}
