using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;

namespace Dilemma.Tests.Failover;

/// <summary>One HTTP attempt: when it started and ended (since the run began) and how it ended.</summary>
public sealed record Attempt(string RoomCode, TimeSpan Started, TimeSpan Ended, string Outcome);

/// <summary>
/// Requests sent the way the browser client sends them: one key per logical request (<c>submission_id</c>
/// for choices and consensus, the <c>Idempotency-Key</c> header for room creation, join, role assignment
/// and start, <c>guest_id</c> for guest sign-in), and on a 5xx (503 <c>outcome_unknown</c> included), a
/// timeout or a broken connection the same request again after an exponential, jittered pause, until it
/// is acknowledged. Every attempt is kept so a test can time them.
/// </summary>
public sealed class RetriedSubmission(Stopwatch clock)
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(1);

    private readonly List<Attempt> _attempts = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<Attempt> Attempts
    {
        get
        {
            lock (_lock)
            {
                return [.. _attempts];
            }
        }
    }

    /// <summary>
    /// Sends until answered <paramref name="acknowledged"/> and returns that answer's body; an answer that a
    /// retry under the same key must never get (a 4xx, or another 2xx) stops with its body.
    /// </summary>
    public async Task<JsonElement> SendAsync(string roomCode, Func<CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken, HttpStatusCode acknowledged = HttpStatusCode.Created)
    {
        var pause = FirstPause;
        while (true)
        {
            var started = clock.Elapsed;
            string outcome;
            try
            {
                using var response = await send(cancellationToken);
                outcome = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                Keep(new Attempt(roomCode, started, clock.Elapsed, outcome));
                if (response.StatusCode == acknowledged)
                {
                    return await HttpAssert.OkAsync<JsonElement>(response, acknowledged);
                }

                if ((int)response.StatusCode < 500)
                {
                    throw new InvalidOperationException($"A request sent with its retry key was answered {outcome}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // The connection broke or the client's own timeout passed: as a browser, try again
                // (nginx switches gateway on a refused connection).
                Keep(new Attempt(roomCode, started, clock.Elapsed, e.GetType().Name));
            }

            // Full jitter: clients that failed together do not come back together.
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * pause.TotalMilliseconds), cancellationToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
        }
    }

    public static string NewId() => Guid.NewGuid().ToString("N");

    public Task ChooseAsync(Player player, string code, int round, int choice, string submissionId, CancellationToken cancellationToken) =>
        SendAsync(code, ct => RoomKit.ChooseAsync(player, code, round, choice, 3, ct, submissionId), cancellationToken);

    public Task ConsensusAsync(Player player, string code, int round, string submissionId, CancellationToken cancellationToken) =>
        SendAsync(code, ct => RoomKit.ConsensusAsync(player, code, round, 0, 4, ct, submissionId), cancellationToken);

    /// <summary>A guest sign-in under one device <c>guest_id</c> (32 characters): a retry signs in the same guest.</summary>
    public async Task<Player> GuestAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var guestId = NewId();
        var nickname = "p" + guestId[..6];
        var answer = await SendAsync("", ct => client.PostJsonAsync("/auth/guest", new { guest_id = guestId, nickname }, ct), cancellationToken, HttpStatusCode.OK);
        return new Player(client, answer.Deserialize<TokenPair>(HttpAssert.Json)!);
    }

    /// <summary>
    /// Three guests in a started room with roles 1, 2, 3 (players[0] the host), every step retried under its
    /// own Idempotency-Key; <paramref name="created"/> is told the room's code once its creation is acknowledged.
    /// </summary>
    public async Task<(Player[] Players, string Code)> StartedRoomAsync(HttpClient client, Action<long, string> created, CancellationToken cancellationToken)
    {
        var players = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => GuestAsync(client, cancellationToken)));
        var creation = NewId();
        var room = await SendAsync("", ct => players[0].PostAsync("/rooms/public", new { title = "Room " + creation[..6], topic = RoomKit.Topic }, ct, creation), cancellationToken);
        var code = RoomKit.Code(room);
        created(players[0].UserId, code);
        foreach (var player in players.Skip(1))
        {
            var join = NewId();
            await SendAsync(code, ct => player.PostAsync("/rooms/join", new { room_code = code, nickname = "n" + player.UserId }, ct, join), cancellationToken, HttpStatusCode.OK);
        }

        var assignments = players.Select((p, i) => new { user_id = p.UserId, role_id = i + 1 }).ToArray();
        var roles = NewId();
        await SendAsync(code, ct => players[0].PostAsync($"/rooms/assign-roles/{code}", new { assignments }, ct, roles), cancellationToken, HttpStatusCode.OK);
        var start = NewId();
        await SendAsync(code, ct => players[0].PostAsync($"/rooms/{code}/start", null, ct, start), cancellationToken, HttpStatusCode.OK);
        return (players, code);
    }

    private void Keep(Attempt attempt)
    {
        lock (_lock)
        {
            _attempts.Add(attempt);
        }
    }
}
