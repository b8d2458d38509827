using Dilemma.Grains.Hosting;
using Dilemma.Grains.Storage;
using Dilemma.Silo;

try
{
    if (args is ["migrate", ..])
    {
        // `dotnet run --project Silo -- migrate`: apply the schema and exit (a Kubernetes Job or a compose one-shot).
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args[1..]).Build();
        await SchemaMigrator.MigrateAsync(ClusterSettings.Read(configuration).RequireMySql());
        Console.WriteLine("Schema is up to date.");
        return 0;
    }

    var app = SiloHost.Build(args);
    await SiloHost.MigrateIfConfiguredAsync(app, CancellationToken.None);
    await app.RunAsync();
    return 0;
}
catch (InvalidSettingException e)
{
    await Console.Error.WriteLineAsync($"Configuration error: {e.Message}");
    return 2;
}
