using System.Text.RegularExpressions;
using Dilemma.LoadTest.Cli;
using Dilemma.LoadTest.Sessions;
using Dilemma.Tests.Hosting;

namespace Dilemma.Tests.Sessions;

/// <summary>
/// The load test's sessions scenario in its short form, against a fresh embedded gateway on real Kestrel,
/// signed in the way <c>scripts/bench.sh sessions</c> does it there: as a new admin made with the setup
/// code the gateway printed. A class of nine plays its three rooms to the end with the monitor watching;
/// the run must pass (the tool's exit 0) and its figures must add up. <c>SESSIONS_STUDENTS</c> makes it larger.
/// </summary>
public sealed partial class SessionsRunTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_class_plays_every_room_to_the_end_and_the_monitor_keeps_under_a_message_a_second_per_room()
    {
        await using var gateway = new GatewayFactory();
        var url = gateway.StartKestrel();
        var setupCode = SetupCode().Match(Assert.Single(gateway.Logs.Lines, l => l.Contains("setup code", StringComparison.Ordinal))).Groups[1].Value;
        var students = int.TryParse(Environment.GetEnvironmentVariable("SESSIONS_STUDENTS"), out var n) && n > 0 && n % 3 == 0 ? n : 9;
        var options = CommandLine.Parse(["sessions", "--url", url.ToString(), "--students", $"{students}", "--think", "0.5", "--setup-code", setupCode]);

        var result = await SessionsScenario.RunAsync(options, Ct);

        TestContext.Current.TestOutputHelper?.WriteLine(result.Describe());
        Assert.True(result.Passed, result.Describe());
        var rooms = students / 3;
        Assert.Equal((students, rooms, rooms, rooms), (result.Enrolled, result.RoomsStarted, result.RoomsFinished, result.RoomsExpected));
        Assert.True(result.MonitorShowedEveryRoomFinished, result.Describe());
        Assert.NotNull(result.PlaySeconds);
        Assert.True(result.EnrolToLastConsensusSeconds > result.PlaySeconds, result.Describe());

        // Five rounds of three choices and a consensus in every room, every one answered.
        Assert.Equal(
            [("POST /auth/guest", students), ("POST /sessions/{code}/enrol", students), ("POST /sessions/{code}/start", 1), ("POST /rooms/{code}/round-choice", rooms * 15), ("POST /rooms/{code}/consensus-choice", rooms * 5)],
            result.Endpoints.Select(e => (e.Endpoint, (int)e.Requests)));
        Assert.All(result.Endpoints, e => Assert.Equal(0, e.Errors));

        // Each room showed at first, and at least once more as it played; never twice in one second; every choice shown.
        var monitor = result.Monitor;
        Assert.Equal(rooms, monitor.Rooms);
        Assert.InRange(monitor.Messages, rooms * 2, long.MaxValue);
        Assert.Equal(1, monitor.MostInOneSecondForOneRoom);
        // One a window allows a window begun but not ended, so a short run's average may pass 1 by that part window.
        Assert.InRange(monitor.MessagesPerSecondPerRoom, 0.01, Math.Ceiling(monitor.WatchedSeconds) / monitor.WatchedSeconds + 0.01);
        Assert.Equal((rooms * 15L, 0L), (monitor.Choices, monitor.ChoicesNeverShown));
        Assert.Equal(monitor.Choices, monitor.Delay.Count);
        Assert.InRange(monitor.Delay.P50Ms, 0, monitor.Delay.MaxMs);
    }

    [Theory]
    [InlineData("sessions --students 10 --setup-code x", "--students must be a multiple of 3")]
    [InlineData("sessions --students 9", "sessions needs exactly one of --facilitator")]
    [InlineData("sessions --setup-code x --facilitator a:b", "sessions needs exactly one of --facilitator")]
    [InlineData("sessions --facilitator nopassword", "--facilitator takes USERNAME:PASSWORD")]
    [InlineData("sessions --setup-code x --connections 5", "sessions takes --students, not --connections")]
    [InlineData("full-games --think 1", "--students, --think, --facilitator and --setup-code are for sessions")]
    public void A_sessions_run_without_what_it_needs_is_a_usage_error(string command, string message)
    {
        var words = command.Split(' ');
        var args = new[] { words[0], "--url", "http://127.0.0.1:1" }.Concat(words.Skip(1)).ToList();

        var error = Assert.Throws<UsageException>(() => CommandLine.Parse(args));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [GeneratedRegex("setup code: ([A-Za-z0-9_-]+)")]
    private static partial Regex SetupCode();
}
