using Dilemma.Hosting;
using Dilemma.Grains.Storage;

namespace Dilemma.Silo.LegacyImport;

/// <summary>
/// <c>import-legacy --from "&lt;MySQL connection string of the original&gt;"</c>: brings the original system's data
/// into the database of <c>ConnectionStrings__MySql</c> (schema applied first). Progress goes to standard error,
/// the report to standard output. Safe to run again: a second run adds nothing, an interrupted one is finished.
/// </summary>
public static class LegacyImportCommand
{
    public const string Name = "import-legacy";

    /// <summary>The exit code of a missing <c>--from</c> (as a bad setting: the operator's input is wrong).</summary>
    public const int UsageExitCode = 2;

    /// <summary>The exit code of a run stopped by Ctrl+C (128 + SIGINT, as a shell reports it).</summary>
    public const int StoppedExitCode = 130;

    public static async Task<int> RunAsync(IConfiguration configuration, TextWriter output, TextWriter error, bool progressInPlace, CancellationToken cancellationToken)
    {
        var source = configuration["from"];
        if (string.IsNullOrWhiteSpace(source))
        {
            await error.WriteLineAsync($"Usage: {Name} --from \"<MySQL connection string of the original system's database>\" (the target is ConnectionStrings__MySql).");
            return UsageExitCode;
        }

        var target = ConnectionStringSettings.Read(configuration).RequireMySql();
        await SchemaMigrator.MigrateAsync(target, cancellationToken);
        try
        {
            var report = await LegacyImporter.ImportAsync(source, target, error, progressInPlace, cancellationToken);
            await output.WriteAsync(report.ToString());
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Whole batches were committed with their ledger entries; the next run starts after them.
            await error.WriteLineAsync($"{Name}: stopped; run it again to import the rest.");
            return StoppedExitCode;
        }
    }
}
