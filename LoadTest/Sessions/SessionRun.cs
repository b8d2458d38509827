using System.Collections.Concurrent;
using Dilemma.LoadTest.Http;
using Dilemma.LoadTest.Measurement;

namespace Dilemma.LoadTest.Sessions;

/// <summary>The steps of a session, each timed on its own.</summary>
internal enum SessionEndpoint
{
    Guest,
    Enrol,
    Start,
    RoundChoice,
    Consensus,
}

/// <summary>The request bodies of a run, serialized once.</summary>
internal sealed class SessionBodies
{
    // Choices 0 and 1 exist in every round of every scenario (rounds have 2 to 4 options).
    private readonly byte[][] _choices = Enumerable.Range(0, SessionRoomPlay.Rounds * 3)
        .Select(i => GatewayClient.Body(new ChoiceRequest((i / 3) + 1, i % 2, 1 + (i % 5))))
        .ToArray();

    public byte[][] Consensus { get; } = Enumerable.Range(1, SessionRoomPlay.Rounds)
        .Select(round => GatewayClient.Body(new ChoiceRequest(round, 0, 4)))
        .ToArray();

    public byte[] Choice(int round, int position) => _choices[((round - 1) * 3) + position];
}

/// <summary>What the students and rooms of one run record into.</summary>
internal sealed class SessionRun(TimeSpan think)
{
    private long _lastConsensus;

    public TimeSpan Think { get; } = think;

    public SessionBodies Bodies { get; } = new();

    public SharedTally[] Endpoints { get; } = Enum.GetValues<SessionEndpoint>().Select(_ => new SharedTally()).ToArray();

    public ConcurrentBag<AnsweredChoice> Choices { get; } = [];

    /// <summary>When the run's last consensus was answered (0: none yet).</summary>
    public long LastConsensusAt => Interlocked.Read(ref _lastConsensus);

    public void LastConsensus(long at)
    {
        long seen;
        do
        {
            seen = Interlocked.Read(ref _lastConsensus);
        }
        while (at > seen && Interlocked.CompareExchange(ref _lastConsensus, at, seen) != seen);
    }

    /// <summary>One timed request, counted under its step.</summary>
    public async Task<Outcome> CallAsync(SessionEndpoint endpoint, GatewayClient client, HttpMethod method, string path, string? accessToken, byte[]? body, CancellationToken cancellationToken) =>
        (await CallKeepingAsync(endpoint, client, method, path, accessToken, body, keepBody: false, cancellationToken)).Outcome;

    public async Task<Reply> CallKeepingAsync(SessionEndpoint endpoint, GatewayClient client, HttpMethod method, string path, string? accessToken, byte[]? body, bool keepBody, CancellationToken cancellationToken)
    {
        var reply = await client.CallAsync(method, path, accessToken, body, keepBody, cancellationToken);
        if (reply.Outcome.Succeeded)
        {
            Endpoints[(int)endpoint].Success(reply.Outcome);
        }
        else
        {
            Endpoints[(int)endpoint].Error(reply.Outcome);
        }

        return reply;
    }
}
