using Dilemma.LoadTest.Http;
using Dilemma.LoadTest.Scenarios;

namespace Dilemma.LoadTest.Sessions;

/// <summary>
/// One room of the session played to its end, as its three students would: in each of the five rounds
/// every student thinks (a random wait up to the think time) and chooses, and once all three have, the
/// room's host (the first seated, who opened it) thinks and records the consensus. The students learn
/// that everyone has chosen from each other here rather than from their room sockets, which this run
/// does not open: the load under test is the session's, and the monitor watching it.
/// </summary>
internal sealed class SessionRoomPlay(GatewayClient client, SessionRun run, string roomCode, IReadOnlyList<Seat> seats, CancellationToken cancellationToken)
{
    public const int Rounds = 5;

    /// <summary>True when the fifth consensus was recorded; a failed request ends the room's play (it is counted).</summary>
    public async Task<bool> PlayAsync()
    {
        for (var round = 1; round <= Rounds; round++)
        {
            var chosen = await Task.WhenAll(seats.Select((seat, i) => ChooseAsync(seat, round, i)));
            if (chosen.Contains(false))
            {
                return false;
            }

            await ThinkAsync();
            var consensus = await run.CallAsync(SessionEndpoint.Consensus, client, HttpMethod.Post, $"rooms/{roomCode}/consensus-choice", seats[0].AccessToken, run.Bodies.Consensus[round - 1], cancellationToken);
            if (!consensus.Succeeded)
            {
                return false;
            }

            if (round == Rounds)
            {
                run.LastConsensus(Clock.Now);
            }
        }

        return true;
    }

    private async Task<bool> ChooseAsync(Seat seat, int round, int position)
    {
        await ThinkAsync();
        var outcome = await run.CallAsync(SessionEndpoint.RoundChoice, client, HttpMethod.Post, $"rooms/{roomCode}/round-choice", seat.AccessToken, run.Bodies.Choice(round, position), cancellationToken);
        if (outcome.Succeeded)
        {
            run.Choices.Add(new AnsweredChoice(roomCode, seat.UserId, round, Clock.Now));
        }

        return outcome.Succeeded;
    }

    private Task ThinkAsync() =>
        run.Think > TimeSpan.Zero ? Task.Delay(run.Think * Random.Shared.NextDouble(), cancellationToken) : Task.CompletedTask;
}
