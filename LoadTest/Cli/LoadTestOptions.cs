namespace Dilemma.LoadTest.Cli;

/// <summary>One run of one scenario, as given on the command line.</summary>
public sealed record LoadTestOptions(
    string Scenario,
    Uri Url,
    TimeSpan Duration,
    int Connections,
    TimeSpan Warmup,
    TimeSpan Baseline,
    int Users,
    TimeSpan ProbeInterval,
    long MaxRequests,
    TimeSpan RequestTimeout,
    string? OutFile,
    IReadOnlyList<WatchedProcess> ServerProcesses)
{
    /// <summary>full-games: tables that each play one game after another.</summary>
    public int Tables { get; init; } = 20;

    /// <summary>signaling: rooms, each with three sockets.</summary>
    public int Rooms { get; init; } = 1000;

    /// <summary>
    /// round-choice: requests per second per connection (none: closed loop);
    /// signaling: messages per second per socket.
    /// </summary>
    public double? Rate { get; init; }

    /// <summary>Set-up requests (guests, rooms, sockets) in flight at once: enough to be quick, few enough to leave the server its cores.</summary>
    public int SetupParallelism { get; init; } = 16;

    /// <summary>signaling: how long after the last send the receivers keep counting what arrives.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>full-games: players who vanish mid-game, and the check of the database afterwards (none: nobody vanishes).</summary>
    public DropoutOptions? Dropouts { get; init; }

    /// <summary>sessions: students enrolling (a multiple of three).</summary>
    public int Students { get; init; } = 300;

    /// <summary>sessions: the longest random wait of a student before a choice (and of the host before a consensus).</summary>
    public TimeSpan Think { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>sessions: how the facilitator signs in.</summary>
    public FacilitatorSignIn? Facilitator { get; init; }

    /// <summary>Longer than any healthy run can take; past it the run is abandoned rather than left hanging.</summary>
    public TimeSpan HardLimit =>
        Baseline + Warmup + Duration + Drain + (RequestTimeout * 2) + TimeSpan.FromMinutes(5) + SetupAllowance + FinishAllowance;

    /// <summary>
    /// With dropouts, the games in progress are played to their end after the window: each may wait
    /// for up to two vanished players, and still takes its 30 or so requests.
    /// </summary>
    private TimeSpan FinishAllowance => Dropouts is { } dropouts ? (dropouts.Wait * 2) + (RequestTimeout * 30) : TimeSpan.Zero;

    /// <summary>
    /// Scenarios that first seat thousands of guests in rooms (and open sockets) get time for it:
    /// a quarter of a second per room is far slower than any set-up seen, even on a busy machine.
    /// </summary>
    private TimeSpan SetupAllowance => Scenario switch
    {
        CommandLine.RoundChoice => TimeSpan.FromSeconds(Math.Ceiling(Connections / 3.0) / 4),
        CommandLine.Signaling => TimeSpan.FromSeconds(Rooms / 4.0),
        // Enrolment at a quarter of a second per student, then five rounds of two thinks each.
        CommandLine.Sessions => TimeSpan.FromSeconds(Students / 4.0) + (Think * 10),
        _ => TimeSpan.Zero,
    };
}

/// <summary>A server process whose CPU time is read at the start and the end of the measured window.</summary>
public sealed record WatchedProcess(string Label, int Pid);

/// <summary>
/// full-games with dropouts: <paramref name="Rate"/> of the players vanish; afterwards
/// <paramref name="Database"/> (MySQL) is read to check the games and their events; the players
/// left wait up to <paramref name="Wait"/> for a vanished one to be dropped.
/// </summary>
public sealed record DropoutOptions(double Rate, string Database, TimeSpan Wait);

/// <summary>
/// sessions: the facilitator, an existing account holding the role (<paramref name="Username"/> and
/// <paramref name="Password"/>), or a new admin registered with embedded mode's one-time <paramref name="SetupCode"/>.
/// </summary>
public sealed record FacilitatorSignIn(string? Username, string? Password, string? SetupCode);
