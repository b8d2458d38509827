using Dilemma.Grains.Storage;
using Dilemma.Hosting;
using Dilemma.Hosting.Settings;
using Microsoft.Extensions.Configuration;

namespace Dilemma.Tools.DataGenerator;

// A named class rather than top-level statements: the tests reference this project beside both hosts.
public static class DataGeneratorProgram
{
    private const string Usage = """
        Synthetic data for benchmarks and tests (not part of the silo or gateway images).

          dotnet run --project Tools/DataGenerator -- research --games N [--seed 1] [--days 365]
              adds N finished games to the database in ConnectionStrings__MySql (the schema is applied first),
              with every research table filled in the proportions below
          dotnet run --project Tools/DataGenerator -- legacy --to "<MySQL connection string>" [--seed 1]
              writes the original system's schema and a data set of its size into an empty database
        """;

    public static async Task<int> Main(string[] args)
    {
        try
        {
            return args switch
            {
                ["research", ..] => await ResearchAsync(args[1..]),
                ["legacy", ..] => await LegacyAsync(args[1..]),
                _ => await UsageAsync(),
            };
        }
        catch (Exception e) when (ConfigurationErrors.Describe(e) is not null)
        {
            await Console.Error.WriteLineAsync($"Configuration error: {ConfigurationErrors.Describe(e)}");
            return ConfigurationErrors.ExitCode;
        }
    }

    private static async Task<int> ResearchAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        var mySql = ConnectionStringSettings.Read(configuration).RequireMySql();
        await SchemaMigrator.MigrateAsync(mySql);
        var report = await SyntheticGames.GenerateAsync(
            mySql,
            configuration.GetValue("games", 1000),
            configuration.GetValue("seed", 1),
            configuration.GetValue("days", 365),
            CancellationToken.None);
        await Console.Out.WriteLineAsync(report.ToString());
        return 0;
    }

    private static async Task<int> LegacyAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(args).Build();
        if (configuration["to"] is not { Length: > 0 } target)
        {
            return await UsageAsync();
        }

        var report = await LegacyDataSet.CreateAsync(target, configuration.GetValue("seed", 1), CancellationToken.None);
        await Console.Out.WriteLineAsync(report.ToString());
        return 0;
    }

    private static async Task<int> UsageAsync()
    {
        await Console.Error.WriteLineAsync(Usage + Environment.NewLine + GameActivity.Proportions);
        return ConfigurationErrors.ExitCode;
    }
}
