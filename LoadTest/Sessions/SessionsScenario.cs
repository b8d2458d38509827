using System.Diagnostics;
using Dilemma.LoadTest.Cli;
using Dilemma.LoadTest.Http;
using Dilemma.LoadTest.Measurement;
using Dilemma.LoadTest.Reporting;
using Dilemma.LoadTest.Scenarios;

namespace Dilemma.LoadTest.Sessions;

/// <summary>
/// A class from the teacher's first click to the last consensus: the facilitator creates a session,
/// the students sign in as guests and enrol (consenting as the session asks), the facilitator starts it
/// and opens the live monitor, and every room plays its five rounds (<see cref="SessionRoomPlay"/>) while
/// the monitor watches. The run then waits for the monitor to show every room finished and measures what
/// it cost (<see cref="MonitorFigures"/>).
/// </summary>
public static class SessionsScenario
{
    // The monitor's first picture (every room) comes at once; its last (every room finished) within a second or so.
    private static readonly TimeSpan MonitorWait = TimeSpan.FromSeconds(30);

    public static async Task<SessionsResult> RunAsync(LoadTestOptions options, CancellationToken cancellationToken)
    {
        var header = RunHeader.From(options, DateTimeOffset.UtcNow);
        var connections = new ConnectionCounter();
        using var client = GatewayClient.Create(options.Url, options.Connections, options.RequestTimeout, connections);
        var facilitator = await SessionSetup.SignInAsync(client, options.Facilitator!, cancellationToken);
        var session = await SessionSetup.CreateAsync(client, facilitator, cancellationToken);
        await Progress.WriteAsync($"sessions: session {session.SessionCode}; {options.Students} students enrolling, {options.SetupParallelism} at a time");

        var run = new SessionRun(options.Think);
        var cpu = CpuWatch.Start(options.ServerProcesses);
        var enrolFrom = Clock.Now;
        var students = await SessionSetup.EnrolAsync(client, run, session, options.Students, options.SetupParallelism, cancellationToken);
        var enrolled = Clock.Now;

        var started = await run.CallKeepingAsync(SessionEndpoint.Start, client, HttpMethod.Post, $"sessions/{session.SessionCode}/start", facilitator.AccessToken, RoomSetup.EmptyObject, keepBody: true, cancellationToken);
        if (!started.Outcome.Succeeded)
        {
            throw new SetupException($"POST /sessions/{session.SessionCode}/start answered {started.Outcome.Describe()}");
        }

        var startAnswered = Clock.Now;
        var rooms = GatewayClient.Read<SessionStarted>(started.Body!)!.Rooms.Where(r => r.Started && r.UserIds.Count == 3).ToList();
        var roomCodes = rooms.Select(r => r.RoomCode).ToList();
        await Progress.WriteAsync($"sessions: {students.Count} enrolled in {Seconds(enrolFrom, enrolled)} s, {rooms.Count} rooms started; monitor connecting, then play (think up to {options.Think.TotalSeconds:0.##} s)");

        await using var monitor = await MonitorSocket.ConnectAsync(options.Url, session.SessionCode, facilitator.AccessToken, options.RequestTimeout, cancellationToken);
        var firstPicture = await monitor.UntilAsync(m => roomCodes.All(code => m.Any(s => s.RoomCode == code)), MonitorWait, cancellationToken);
        var pictured = Clock.Now;

        var played = await Task.WhenAll(rooms.Select(room => Task.Run(
            () => new SessionRoomPlay(client, run, room.RoomCode, room.UserIds.Select(id => students[id]).ToList(), cancellationToken).PlayAsync(),
            cancellationToken)));
        await Progress.WriteAsync($"sessions: {played.Count(p => p)} of {rooms.Count} rooms played to the end; waiting for the monitor to show them finished");
        var lastShown = await monitor.UntilAsync(m => roomCodes.All(code => m.Any(s => s.RoomCode == code && s.Phase == MonitorMessage.Finished)), MonitorWait, cancellationToken);
        var watchedUntil = Clock.Now;
        var cpuReport = cpu.Stop(Stopwatch.GetElapsedTime(enrolFrom, watchedUntil));
        var lastConsensus = run.LastConsensusAt;

        return new SessionsResult(
            header,
            options.Students,
            options.Students / 3,
            rooms.Count,
            played.Count(p => p),
            options.Think.TotalSeconds,
            students.Count,
            Seconds(enrolFrom, enrolled),
            started.Outcome.Elapsed.TotalSeconds,
            firstPicture ? Seconds(monitor.ConnectedAt, pictured) : null,
            lastConsensus == 0 ? null : Seconds(startAnswered, lastConsensus),
            lastConsensus == 0 ? null : Seconds(enrolFrom, lastConsensus),
            lastShown,
            monitor.Ended,
            monitor.Unreadable,
            MonitorFigures.Of(monitor.Messages, monitor.ConnectedAt, watchedUntil, roomCodes, run.Choices.ToList()),
            Enum.GetValues<SessionEndpoint>().Select(e => EndpointOf(e, run)).ToList(),
            connections.Opened,
            cpuReport);
    }

    private static EndpointStats EndpointOf(SessionEndpoint endpoint, SessionRun run)
    {
        var tally = run.Endpoints[(int)endpoint].Result();
        return new EndpointStats(SessionSetup.Names[endpoint], tally.Succeeded.Count + tally.Failed.Count, tally.Succeeded.Summarize(), tally.Failed.Count, tally.ErrorsByKind);
    }

    private static double Seconds(long from, long to) => Math.Round(Stopwatch.GetElapsedTime(from, to).TotalSeconds, 2);
}
