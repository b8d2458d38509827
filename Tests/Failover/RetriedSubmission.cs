using System.Diagnostics;
using System.Net;
using Dilemma.Tests.Rooms;

namespace Dilemma.Tests.Failover;

/// <summary>One HTTP attempt: when it started and ended (since the run began) and how it ended.</summary>
public sealed record Attempt(string RoomCode, TimeSpan Started, TimeSpan Ended, string Outcome);

/// <summary>
/// A round or consensus choice sent the way the browser client sends it: one <c>submission_id</c>,
/// and on any answer but 201 (or a broken connection) the same request again after an exponential,
/// jittered pause, until it is acknowledged. Every attempt is kept so a test can time them.
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

    /// <summary>Sends until acknowledged; an answer that a retry must never get (a 4xx) stops with its body.</summary>
    public async Task SendAsync(string roomCode, Func<CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
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
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    return;
                }

                if ((int)response.StatusCode is >= 400 and < 500)
                {
                    throw new InvalidOperationException($"A retry with the same submission_id was answered {outcome}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
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

    private void Keep(Attempt attempt)
    {
        lock (_lock)
        {
            _attempts.Add(attempt);
        }
    }
}
