using System.Globalization;
using Dilemma.LoadTest.Cli;
using Dilemma.LoadTest.FullGames;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// The load test's dropout run in its short form: a few tables of whole games in which a share of the
/// players vanish mid-game, on a cluster with a one-second grace period. The command checks MariaDB
/// itself (every game finished, room_events exactly the events the run caused); here it must pass.
/// <c>DROPOUT_TABLES</c>, <c>DROPOUT_SECONDS</c> and <c>DROPOUT_RATE</c> make it larger.
/// </summary>
public sealed class DropoutRunTests(LocalServices services)
{
    [Fact]
    public async Task Players_vanishing_mid_game_leave_every_game_finished_and_exactly_their_events()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var deployment = await ClusterDeployment.CreateAsync(services, "dropoutrun_", ct);
        await deployment.StartSiloAsync(ct, builder => builder.Configuration["Game:ReconnectGraceSeconds"] = "1");
        var url = deployment.CreateGateway(new Dictionary<string, string?>
        {
            // Every player comes from 127.0.0.1: per-address limits would only measure themselves (as in scripts/bench.sh).
            ["RateLimits:Auth:GuestSignInsPerWindow"] = "1000000",
            ["RateLimits:Rooms:LookupBurstPerAddress"] = "1000000",
            ["RateLimits:Rooms:LookupsPerMinutePerAddress"] = "1000000",
        }).StartKestrel();
        var options = CommandLine.Parse(
        [
            "full-games", "--url", url.ToString(), "--tables", Setting("DROPOUT_TABLES", "4"), "--warmup", "0", "--duration", Setting("DROPOUT_SECONDS", "15"),
            "--dropout-rate", Setting("DROPOUT_RATE", "0.25"), "--database", deployment.MySqlConnectionString, "--dropout-wait", "30",
        ]);

        var result = await FullGamesScenario.RunAsync(options, ct);

        TestContext.Current.TestOutputHelper?.WriteLine(result.Describe());
        var check = result.Dropouts!;
        Assert.True(check.Games > 0 && check.PlayersVanished > 0, result.Describe());
        Assert.True(check.Passed, result.Describe());
        Assert.Equal(check.Games, check.Finished);
        Assert.Equal(check.EventsExpected, check.EventsFound);
        Assert.True(result.Passed, result.Describe());
    }

    [Theory]
    [InlineData("--dropout-rate 0.2", "--dropout-rate needs --database")]
    [InlineData("--dropout-rate 0.7 --database x", "--dropout-rate must be between 0 and 0.66")]
    [InlineData("--database x", "--database and --dropout-wait go with --dropout-rate")]
    public void A_dropout_run_without_what_it_needs_is_a_usage_error(string extra, string message)
    {
        var args = new[] { "full-games", "--url", "http://127.0.0.1:1" }.Concat(extra.Split(' ')).ToList();

        var error = Assert.Throws<UsageException>(() => CommandLine.Parse(args));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    private static string Setting(string variable, string fallback) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? value : fallback;
}
