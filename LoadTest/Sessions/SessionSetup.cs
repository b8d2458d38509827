using System.Collections.Concurrent;
using System.Net;
using Dilemma.LoadTest.Cli;
using Dilemma.LoadTest.Http;
using Dilemma.LoadTest.Scenarios;

namespace Dilemma.LoadTest.Sessions;

/// <summary>The facilitator's and the students' set-up steps of a run.</summary>
internal static class SessionSetup
{
    public static readonly IReadOnlyDictionary<SessionEndpoint, string> Names = new Dictionary<SessionEndpoint, string>
    {
        [SessionEndpoint.Guest] = "POST /auth/guest",
        [SessionEndpoint.Enrol] = "POST /sessions/{code}/enrol",
        [SessionEndpoint.Start] = "POST /sessions/{code}/start",
        [SessionEndpoint.RoundChoice] = "POST /rooms/{code}/round-choice",
        [SessionEndpoint.Consensus] = "POST /rooms/{code}/consensus-choice",
    };

    /// <summary>The facilitator's token, carrying the role: a login, or a registration with the setup code (which makes an admin).</summary>
    public static Task<TokenPair> SignInAsync(GatewayClient client, FacilitatorSignIn signIn, CancellationToken cancellationToken) =>
        signIn.SetupCode is { } code
            ? client.SetupCallAsync<TokenPair>(HttpMethod.Post, "auth/register", null, GatewayClient.Body(new SetupRegistration($"lt-facilitator-{RoomSetup.NewRunId()}", "load-test-" + RoomSetup.NewRunId() + RoomSetup.NewRunId(), code)), HttpStatusCode.Created, cancellationToken)
            : client.SetupCallAsync<TokenPair>(HttpMethod.Post, "auth/login", null, GatewayClient.Body(new Login(signIn.Username!, signIn.Password!)), HttpStatusCode.OK, cancellationToken);

    /// <summary>A session on the built-in topic, without timers: the students' pace, not a deadline, ends each round.</summary>
    public static Task<SessionCreated> CreateAsync(GatewayClient client, TokenPair facilitator, CancellationToken cancellationToken) =>
        client.SetupCallAsync<SessionCreated>(
            HttpMethod.Post, "sessions", facilitator.AccessToken, GatewayClient.Body(new CreateSession($"load test {RoomSetup.NewRunId()}", RoomSetup.Topic, "load-test")), HttpStatusCode.Created, cancellationToken);

    /// <summary>
    /// Every student signs in as a new guest and enrols with the session's consent version, <paramref name="parallelism"/> at a
    /// time; those whose requests failed are left out (counted under their step). Answers the enrolled by user id.
    /// </summary>
    public static async Task<IReadOnlyDictionary<long, Seat>> EnrolAsync(GatewayClient client, SessionRun run, SessionCreated session, int students, int parallelism, CancellationToken cancellationToken)
    {
        var enrolled = new ConcurrentDictionary<long, Seat>();
        var enrol = GatewayClient.Body(new Enrolment(session.ConsentVersion));
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, students), parallel, async (i, token) =>
        {
            var guest = await run.CallKeepingAsync(SessionEndpoint.Guest, client, HttpMethod.Post, "auth/guest", null, GatewayClient.Body(new GuestRequest(null, $"student{i}")), keepBody: true, token);
            if (!guest.Outcome.Succeeded)
            {
                return;
            }

            var pair = GatewayClient.Read<TokenPair>(guest.Body!)!;
            if ((await run.CallAsync(SessionEndpoint.Enrol, client, HttpMethod.Post, $"sessions/{session.SessionCode}/enrol", pair.AccessToken, enrol, token)).Succeeded)
            {
                enrolled[pair.UserId] = new Seat(pair.UserId, pair.AccessToken);
            }
        });
        return enrolled;
    }

    private sealed record SetupRegistration(string Username, string Password, string SetupCode);

    private sealed record Login(string Username, string Password);

    private sealed record CreateSession(string Title, string Topic, string StudyLabel);

    private sealed record Enrolment(string ConsentVersion);
}

/// <summary>The part of the session answer a run reads after creating it.</summary>
public sealed record SessionCreated(string SessionCode, string ConsentVersion);

/// <summary>The part of the start's answer a run reads: the rooms and who sits in each (the first is the room's host).</summary>
public sealed record SessionStarted(IReadOnlyList<StartedRoom> Rooms);

public sealed record StartedRoom(string RoomCode, IReadOnlyList<long> UserIds, bool Started);
