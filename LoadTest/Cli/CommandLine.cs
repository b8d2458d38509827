using System.Globalization;
using Dilemma.LoadTest.Dropouts;

namespace Dilemma.LoadTest.Cli;

/// <summary>Reads the command line; anything unknown or out of range is a usage error, never a guess.</summary>
public static class CommandLine
{
    public const string AuthFlood = "auth-flood";
    public const string GrainCall = "grain-call";
    public const string FullGames = "full-games";
    public const string RoundChoice = "round-choice";
    public const string Signaling = "signaling";
    public const string Sessions = "sessions";

    public const string Usage = """
        usage: Dilemma.LoadTest <scenario> --url http://127.0.0.1:PORT [options]

        scenarios:
          auth-flood   workers loop POST /auth/login (bcrypt, concurrency-limited) while a prober
                       times GET /health at a fixed rate, first idle (--baseline) and then under the flood
          grain-call   one guest per connection; each worker loops GET /auth/me with its own token
                       (a JWT check and one grain call that reads the user)
          full-games   --tables tables each play whole games one after another: 3 fresh guests, a private
                       room, 2 joins, roles, start, 5 rounds of 3 round-choices and a consensus, statistics
          round-choice ceil(N/3) started rooms (set up first, not recorded); then N participants, each on a
                       connection of its own, keep revising their round-1 choice: at --rate requests/s each
                       (open loop, latency from the scheduled send time) or, without --rate, as fast as
                       the answers come (closed loop)
          signaling    --rooms seated rooms x 3 signaling sockets; after join/peers every socket sends
                       --rate candidates/s (default 1) to the next peer of its room; the receiver times the relay
          sessions     one facilitator creates a session, --students guests enrol, the facilitator starts it and
                       watches the live monitor while every room plays its 5 rounds to the end (each student
                       thinks up to --think s before a choice, the room's host before the consensus); reports
                       enrolment, start, time to the last consensus, the monitor's messages per second per
                       room and its delay; exits 1 if a room did not finish or one room exceeded 1 message/s

        options:
          --url URL               the gateway's base address (required)
          --duration SECONDS      measured time (default 20)
          --connections N         concurrent workers and HTTP connections (default 32 for auth-flood, 100 for grain-call,
                                  1000 for round-choice; full-games has one per table, signaling three sockets per room)
          --warmup SECONDS        grain-call, full-games, round-choice, signaling: unrecorded time before measuring (default 3)
          --tables N              full-games: tables playing at once (default 20)
          --rooms N               signaling: rooms of three sockets each (default 1000)
          --rate R                round-choice: requests per second per connection (default: none, closed loop);
                                  signaling: messages per second per socket (default 1)
          --setup-parallelism N   round-choice, signaling, sessions: set-up requests (sessions: enrolments) and socket
                                  connects in flight at once (default 16)
          --students N            sessions: students enrolling, a multiple of 3 (default 300)
          --think SECONDS         sessions: longest random wait of a student before each choice (default 2)
          --facilitator USER:PASSWORD  sessions: sign in as this account holding the facilitator (or admin) role
          --setup-code CODE       sessions, embedded mode: register a new admin with the gateway's one-time
                                  setup code and facilitate as them (instead of --facilitator)
          --drain SECONDS         signaling: time after the last send in which arrivals still count (default 3)
          --dropout-rate R        full-games: this share of players (0 to 0.66) open a signaling socket and vanish
                                  in a round of their game (socket closed, no more requests); rooms use
                                  on_dropout continue, games started are played to their end after the window,
                                  and the database is then checked (needs --database); exits 1 if the check fails
          --database CS           full-games with --dropout-rate: the MySQL connection string of the cluster's
                                  database, read after the run (rooms and room_events of the run's games)
          --dropout-wait SECONDS  full-games: how long the players left wait for a vanished one to be dropped;
                                  more than the server's Game:ReconnectGraceSeconds (default 120)
          --baseline SECONDS      auth-flood: idle /health probing before the flood (default 2)
          --users N               auth-flood: accounts registered and then logged into in turn (default 4)
          --probe-interval-ms MS  auth-flood: time between /health probes (default 50)
          --max-requests N        stop early after this many requests in all (default 5000000)
          --timeout SECONDS       per-request timeout (default 30)
          --server-pid LABEL=PID  report this server process's CPU time over the measured window (repeatable)
          --out FILE              also write the result as JSON
        """;

    public static LoadTestOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            throw new UsageException("name a scenario");
        }

        if (args[0] is "-h" or "--help")
        {
            throw new UsageException(null);
        }

        var scenario = args[0];
        if (scenario is not (AuthFlood or GrainCall or FullGames or RoundChoice or Signaling or Sessions))
        {
            throw new UsageException($"unknown scenario '{scenario}'");
        }

        Uri? url = null;
        var duration = 20.0;
        int? connections = null;
        var warmup = 3.0;
        var baseline = 2.0;
        var users = 4;
        var probeIntervalMs = 50;
        var maxRequests = 5_000_000L;
        var timeout = 30.0;
        string? outFile = null;
        var servers = new List<WatchedProcess>();
        var tables = 20;
        var rooms = 1000;
        double? rate = null;
        var setupParallelism = 16;
        var drain = 3.0;
        double? dropoutRate = null;
        string? database = null;
        double? dropoutWait = null;
        int? students = null;
        double? think = null;
        string? facilitator = null;
        string? setupCode = null;

        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count)
            {
                throw new UsageException(name.StartsWith("--", StringComparison.Ordinal) ? $"{name} needs a value" : $"unexpected argument '{name}'");
            }

            var value = args[++i];
            switch (name)
            {
                case "--url":
                    url = ParseUrl(value);
                    break;
                case "--duration":
                    duration = Number(name, value, 1, 3600);
                    break;
                case "--connections":
                    connections = (int)Number(name, value, 1, 10_000);
                    break;
                case "--warmup":
                    warmup = Number(name, value, 0, 600);
                    break;
                case "--baseline":
                    baseline = Number(name, value, 0, 600);
                    break;
                case "--users":
                    users = (int)Number(name, value, 1, 1000);
                    break;
                case "--probe-interval-ms":
                    probeIntervalMs = (int)Number(name, value, 1, 60_000);
                    break;
                case "--max-requests":
                    maxRequests = (long)Number(name, value, 1, 1e12);
                    break;
                case "--timeout":
                    timeout = Number(name, value, 0.1, 600);
                    break;
                case "--server-pid":
                    servers.Add(ParseWatched(value));
                    break;
                case "--out":
                    outFile = value;
                    break;
                case "--tables":
                    tables = (int)Number(name, value, 1, 1000);
                    break;
                case "--rooms":
                    rooms = (int)Number(name, value, 1, 5000);
                    break;
                case "--rate":
                    rate = Number(name, value, 0.01, 1000);
                    break;
                case "--setup-parallelism":
                    setupParallelism = (int)Number(name, value, 1, 256);
                    break;
                case "--drain":
                    drain = Number(name, value, 0, 60);
                    break;
                case "--dropout-rate":
                    // Two of three at most: a game needs one player left to play it to its end.
                    dropoutRate = Number(name, value, 0, DropoutPlan.MaxRate);
                    break;
                case "--database":
                    database = value.Length > 0 ? value : throw new UsageException("--database needs a connection string");
                    break;
                case "--dropout-wait":
                    dropoutWait = Number(name, value, 1, 3600);
                    break;
                case "--students":
                    students = (int)Number(name, value, 3, 3000);
                    break;
                case "--think":
                    think = Number(name, value, 0, 60);
                    break;
                case "--facilitator":
                    facilitator = value.Split(':', 2) is [{ Length: > 0 }, { Length: > 0 }] ? value : throw new UsageException("--facilitator takes USERNAME:PASSWORD");
                    break;
                case "--setup-code":
                    setupCode = value.Length > 0 ? value : throw new UsageException("--setup-code needs the code the gateway printed");
                    break;
                default:
                    throw new UsageException($"unknown option '{name}'");
            }
        }

        if (connections is not null && scenario is (FullGames or Signaling or Sessions))
        {
            // Their connections follow from --tables, --rooms and --students; a second knob would only contradict them.
            throw new UsageException($"{scenario} takes {scenario switch { FullGames => "--tables", Signaling => "--rooms", _ => "--students" }}, not --connections");
        }

        var facilitatorSignIn = SessionsSignIn(scenario, students ?? 300, think, facilitator, setupCode, students is not null);

        if (rate is not null && scenario is not (RoundChoice or Signaling))
        {
            throw new UsageException("--rate is for round-choice and signaling");
        }

        if ((dropoutRate ?? dropoutWait ?? (object?)database) is not null && scenario != FullGames)
        {
            throw new UsageException("--dropout-rate, --dropout-wait and --database are for full-games");
        }

        if (dropoutRate is not null && database is null)
        {
            // The run's point is the check against the database; without one it would only half happen.
            throw new UsageException("--dropout-rate needs --database (the cluster's MySQL connection string) to check the games and their events");
        }

        if (dropoutRate is null && (database ?? (object?)dropoutWait) is not null)
        {
            throw new UsageException("--database and --dropout-wait go with --dropout-rate");
        }

        return new LoadTestOptions(
            scenario,
            url ?? throw new UsageException("--url is required"),
            TimeSpan.FromSeconds(duration),
            connections ?? DefaultConnections(scenario, tables, rooms, students ?? 300),
            TimeSpan.FromSeconds(warmup),
            TimeSpan.FromSeconds(baseline),
            users,
            TimeSpan.FromMilliseconds(probeIntervalMs),
            maxRequests,
            TimeSpan.FromSeconds(timeout),
            outFile,
            servers)
        {
            Tables = tables,
            Rooms = rooms,
            Rate = scenario == Signaling ? rate ?? 1 : rate,
            SetupParallelism = setupParallelism,
            Drain = TimeSpan.FromSeconds(drain),
            Dropouts = dropoutRate is { } share ? new DropoutOptions(share, database!, TimeSpan.FromSeconds(dropoutWait ?? 120)) : null,
            Students = students ?? 300,
            Think = TimeSpan.FromSeconds(think ?? 2),
            Facilitator = facilitatorSignIn,
        };
    }

    /// <summary>sessions: whose session it is; the options only it takes are refused elsewhere.</summary>
    private static FacilitatorSignIn? SessionsSignIn(string scenario, int students, double? think, string? facilitator, string? setupCode, bool studentsGiven)
    {
        if (scenario != Sessions)
        {
            return (think ?? facilitator ?? (object?)setupCode) is null && !studentsGiven
                ? null
                : throw new UsageException("--students, --think, --facilitator and --setup-code are for sessions");
        }

        if (students % 3 != 0)
        {
            // Every room plays to its end; a remainder would wait in a room that never starts.
            throw new UsageException($"--students must be a multiple of 3 (rooms of three), not {students}");
        }

        return (facilitator, setupCode) switch
        {
            ({ } account, null) => new FacilitatorSignIn(account.Split(':', 2)[0], account.Split(':', 2)[1], null),
            (null, { } code) => new FacilitatorSignIn(null, null, code),
            _ => throw new UsageException("sessions needs exactly one of --facilitator USERNAME:PASSWORD and --setup-code CODE"),
        };
    }

    private static int DefaultConnections(string scenario, int tables, int rooms, int students) => scenario switch
    {
        AuthFlood => 32,
        GrainCall => 100,
        RoundChoice => 1000,
        // One game at a time per table, so one connection each is all a table can use.
        FullGames => tables,
        // sessions: every student plays on a connection of their own, as their browser would.
        Sessions => students,
        _ => rooms * 3,
    };

    private static Uri ParseUrl(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--url must be an absolute http or https address, not '{value}'");
        }

        // Relative request paths are appended to the base only if it ends in a slash.
        return url.AbsolutePath.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
    }

    private static WatchedProcess ParseWatched(string value)
    {
        var parts = value.Split('=', 2);
        var (label, pidText) = parts.Length == 2 ? (parts[0], parts[1]) : ("server", parts[0]);
        if (label.Length == 0 || !int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            throw new UsageException($"--server-pid takes LABEL=PID, not '{value}'");
        }

        return new WatchedProcess(label, pid);
    }

    private static double Number(string name, string text, double min, double max)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value))
        {
            throw new UsageException($"{name} takes a number, not '{text}'");
        }

        return value >= min && value <= max
            ? value
            : throw new UsageException($"{name} must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, not {text}");
    }
}

/// <summary>A command line that cannot be run; the message says why (none: just show the usage).</summary>
public sealed class UsageException(string? message) : Exception(message ?? string.Empty)
{
    public bool HasMessage => Message.Length > 0;
}
