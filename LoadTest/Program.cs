using Dilemma.LoadTest.Cli;
using Dilemma.LoadTest.FullGames;
using Dilemma.LoadTest.Http;
using Dilemma.LoadTest.Reporting;
using Dilemma.LoadTest.Scenarios;
using Dilemma.LoadTest.Sessions;
using Dilemma.LoadTest.Signaling;

LoadTestOptions options;
try
{
    options = CommandLine.Parse(args);
}
catch (UsageException e)
{
    if (e.HasMessage)
    {
        await Console.Error.WriteLineAsync($"error: {e.Message}");
    }

    await Console.Error.WriteLineAsync(CommandLine.Usage);
    return e.HasMessage ? 2 : 0;
}

// A bound on the whole run, so that a server that stops answering cannot keep the tool (or a
// benchmark script waiting on it) forever.
using var stop = new CancellationTokenSource(options.HardLimit);
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    IScenarioResult result = options.Scenario switch
    {
        CommandLine.AuthFlood => await AuthFloodScenario.RunAsync(options, stop.Token),
        CommandLine.FullGames => await FullGamesScenario.RunAsync(options, stop.Token),
        CommandLine.RoundChoice => await RoundChoiceScenario.RunAsync(options, stop.Token),
        CommandLine.Signaling => await SignalingScenario.RunAsync(options, stop.Token),
        CommandLine.Sessions => await SessionsScenario.RunAsync(options, stop.Token),
        _ => await GrainCallScenario.RunAsync(options, stop.Token),
    };

    await Console.Out.WriteAsync(result.Describe());
    if (options.OutFile is { } path)
    {
        await ResultFile.WriteAsync(path, result, stop.Token);
        await Console.Error.WriteLineAsync($"result written to {path}");
    }

    return result.Passed ? 0 : 1;
}
catch (SetupException e)
{
    await Console.Error.WriteLineAsync($"{options.Scenario}: set-up failed: {e.Message}");
    return 1;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync($"{options.Scenario}: aborted (interrupted, or past the run's limit of {options.HardLimit.TotalSeconds:0} s)");
    return 1;
}
