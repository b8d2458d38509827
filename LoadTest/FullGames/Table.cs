using Dilemma.LoadTest.Cli;
using Dilemma.LoadTest.Dropouts;
using Dilemma.LoadTest.Http;
using Dilemma.LoadTest.Scenarios;

namespace Dilemma.LoadTest.FullGames;

/// <summary>One table: plays games one after another until the measured window ends.</summary>
internal sealed class Table(GatewayClient client, LoadTestOptions options, int number, GameRecord record, long measureFrom, long deadline, CancellationToken cancellationToken)
{
    private const int Rounds = 5;

    // How often the players left look whether a vanished one has been dropped.
    private static readonly TimeSpan DropPoll = TimeSpan.FromMilliseconds(250);

    private readonly DropoutOptions? _dropouts = options.Dropouts;

    // The same bodies every game: serialized once per table rather than per request.
    private readonly byte[] _guest = GatewayClient.Body(new GuestRequest(null, $"table{number}"));
    private readonly byte[][] _choices = Enumerable.Range(0, Rounds * 3)
        .Select(i => GatewayClient.Body(new ChoiceRequest((i / 3) + 1, i % 3 % 2, 3 + (i % 3))))
        .ToArray();
    private readonly byte[][] _consensus = Enumerable.Range(1, Rounds)
        .Select(round => GatewayClient.Body(new ChoiceRequest(round, 0, 4)))
        .ToArray();

    private int _games;

    public async Task PlayAsync()
    {
        while (Clock.Before(deadline) && !record.Budget.Exhausted)
        {
            var started = Clock.Now;
            var outcome = await PlayOneAsync();
            var ended = Clock.Now;
            if (ended < measureFrom || ended > deadline)
            {
                // Finished in the warm-up, or cut off or finished after the window: not a game of the window.
                continue;
            }

            if (outcome == GameOutcome.Completed)
            {
                record.GameCompleted(System.Diagnostics.Stopwatch.GetElapsedTime(started, ended));
            }
            else if (outcome == GameOutcome.Failed)
            {
                record.GameFailed();
            }
        }
    }

    private async Task<GameOutcome> PlayOneAsync()
    {
        var game = _games++;
        var seats = new Seat[3];
        for (var p = 0; p < seats.Length; p++)
        {
            var reply = await StepAsync(Endpoint.Guest, HttpMethod.Post, "auth/guest", null, _guest, keepBody: true);
            if (reply?.Outcome.Succeeded != true)
            {
                return Ended(reply);
            }

            var pair = GatewayClient.Read<TokenPair>(reply.Value.Body!)!;
            seats[p] = new Seat(pair.UserId, pair.AccessToken);
        }

        var created = await StepAsync(Endpoint.Create, HttpMethod.Post, "rooms/private", seats[0].AccessToken, GatewayClient.Body(new CreateRoomRequest($"table {number} game {game}", RoomSetup.Topic, _dropouts is null ? null : "continue")), keepBody: true);
        if (created?.Outcome.Succeeded != true)
        {
            return Ended(created);
        }

        var code = GatewayClient.Read<RoomCreated>(created.Value.Body!)!.RoomCode;
        var expected = _dropouts is null ? null : new ExpectedEvents(code, seats.Select(s => s.UserId).ToList(), Rounds);
        if (expected is not null)
        {
            record.Games.Enqueue(expected);
        }

        for (var p = 1; p < seats.Length; p++)
        {
            var joined = await StepAsync(Endpoint.Join, HttpMethod.Post, "rooms/join", seats[p].AccessToken, GatewayClient.Body(new JoinRequest(code, $"p{p}")), keepBody: false);
            if (joined?.Outcome.Succeeded != true)
            {
                return Ended(joined);
            }
        }

        var roles = await StepAsync(Endpoint.AssignRoles, HttpMethod.Post, $"rooms/assign-roles/{code}", seats[0].AccessToken, RoomSetup.EmptyObject, keepBody: false);
        if (roles?.Outcome.Succeeded != true)
        {
            return Ended(roles);
        }

        var start = await StepAsync(Endpoint.Start, HttpMethod.Post, $"rooms/{code}/start", seats[0].AccessToken, null, keepBody: false);
        if (start?.Outcome.Succeeded != true)
        {
            return Ended(start);
        }

        IReadOnlyList<Vanisher> vanishers = _dropouts is null ? [] : DropoutPlan.For(_dropouts.Rate, number, options.Tables, game, seats.Length, Rounds);
        var sockets = new VanishingSocket?[seats.Length];
        try
        {
            return await PlayRoundsAsync(code, seats, vanishers, sockets, expected);
        }
        finally
        {
            // A game cut short leaves no socket behind.
            foreach (var socket in sockets)
            {
                if (socket is not null)
                {
                    await socket.DisposeAsync();
                }
            }
        }
    }

    private async Task<GameOutcome> PlayRoundsAsync(string code, Seat[] seats, IReadOnlyList<Vanisher> vanishers, VanishingSocket?[] sockets, ExpectedEvents? expected)
    {
        // Only the players who will vanish open a socket: presence is known (and lost) through sockets.
        foreach (var vanisher in vanishers)
        {
            var opened = await OpenSocketAsync(code, seats[vanisher.Seat]);
            if (opened.Socket is null)
            {
                return opened.Outcome;
            }

            sockets[vanisher.Seat] = opened.Socket;
        }

        var gone = new bool[seats.Length];
        var choicePath = $"rooms/{code}/round-choice";
        var consensusPath = $"rooms/{code}/consensus-choice";
        for (var round = 1; round <= Rounds; round++)
        {
            var vanishing = vanishers.Where(v => v.Round == round).Select(v => v.Seat).ToList();
            foreach (var seat in vanishing)
            {
                await sockets[seat]!.DisposeAsync();
                sockets[seat] = null;
                gone[seat] = true;
                record.PlayerVanished();
                expected!.Vanished(seats[seat].UserId, round);
            }

            for (var p = 0; p < seats.Length; p++)
            {
                if (gone[p])
                {
                    continue;
                }

                var chosen = await StepAsync(Endpoint.RoundChoice, HttpMethod.Post, choicePath, seats[p].AccessToken, _choices[((round - 1) * 3) + p], keepBody: false);
                if (chosen?.Outcome.Succeeded != true)
                {
                    return Ended(chosen);
                }
            }

            foreach (var seat in vanishing)
            {
                var dropped = await AwaitDropAsync(code, seats[Array.IndexOf(gone, false)], seats[seat].UserId);
                if (dropped != GameOutcome.Completed)
                {
                    return dropped;
                }
            }

            // Anyone may record the consensus: the first player still at the table does.
            var agreed = await StepAsync(Endpoint.Consensus, HttpMethod.Post, consensusPath, seats[Array.IndexOf(gone, false)].AccessToken, _consensus[round - 1], keepBody: false);
            if (agreed?.Outcome.Succeeded != true)
            {
                return Ended(agreed);
            }
        }

        var statistics = await StepAsync(Endpoint.Statistics, HttpMethod.Get, $"rooms/{code}/statistics", seats[Array.LastIndexOf(gone, false)].AccessToken, null, keepBody: false);
        return statistics?.Outcome.Succeeded == true ? GameOutcome.Completed : Ended(statistics);
    }

    /// <summary>The player's signaling socket, joined; timed under its own endpoint like a request.</summary>
    private async Task<(VanishingSocket? Socket, GameOutcome Outcome)> OpenSocketAsync(string code, Seat seat)
    {
        var sentAt = Clock.Now;
        var (socket, failure) = await VanishingSocket.OpenAsync(options.Url, code, seat.AccessToken, options.RequestTimeout, cancellationToken);
        Record(Endpoint.Signaling, sentAt, new Outcome(socket is null ? 0 : 101, failure, System.Diagnostics.Stopwatch.GetElapsedTime(sentAt)), socket is not null);
        return (socket, socket is null ? GameOutcome.Failed : GameOutcome.Completed);
    }

    /// <summary>
    /// The consensus waits for every player still in the game; a vanished one is in it until the
    /// server's grace period drops them, so the players left look until it has (Completed), or give up.
    /// </summary>
    private async Task<GameOutcome> AwaitDropAsync(string code, Seat looking, long vanished)
    {
        var until = Clock.After(Clock.Now, _dropouts!.Wait);
        while (true)
        {
            var reply = await StepAsync(Endpoint.AwaitDrop, HttpMethod.Get, $"rooms/{code}", looking.AccessToken, null, keepBody: true);
            if (reply?.Outcome.Succeeded != true)
            {
                return Ended(reply);
            }

            var room = GatewayClient.Read<RoomPresence>(reply.Value.Body!)!;
            if (room.Participants.Any(p => p.UserId == vanished && p.Presence == "dropped"))
            {
                return GameOutcome.Completed;
            }

            if (!Clock.Before(until))
            {
                return GameOutcome.Failed;
            }

            await Task.Delay(DropPoll, cancellationToken);
        }
    }

    /// <summary>No reply: the window (or the request cap) ended the game; a reply that is not 2xx failed it.</summary>
    private static GameOutcome Ended(Reply? reply) => reply is null ? GameOutcome.Cut : GameOutcome.Failed;

    /// <summary>One request, recorded under its endpoint if it was sent inside the measured window; none once the window is over.</summary>
    private async Task<Reply?> StepAsync(Endpoint endpoint, HttpMethod method, string path, string? accessToken, byte[]? body, bool keepBody)
    {
        // With dropouts a game once started is played to its end, window and cap or not: the check
        // afterwards wants every game finished.
        var withinBounds = Clock.Before(deadline) && record.Budget.TryTake();
        if (!withinBounds && _dropouts is null)
        {
            return null;
        }

        var sentAt = Clock.Now;
        var reply = await client.CallAsync(method, path, accessToken, body, keepBody, cancellationToken);
        Record(endpoint, sentAt, reply.Outcome, reply.Outcome.Succeeded);
        return reply;
    }

    /// <summary>Counted under its endpoint if sent inside the measured window (games finished after it are not); warm-up failures apart.</summary>
    private void Record(Endpoint endpoint, long sentAt, Outcome outcome, bool succeeded)
    {
        if (sentAt >= measureFrom && sentAt <= deadline)
        {
            if (succeeded)
            {
                record.Endpoints[endpoint.Index].Success(outcome);
            }
            else
            {
                record.Endpoints[endpoint.Index].Error(outcome);
            }
        }
        else if (!succeeded && sentAt < measureFrom)
        {
            record.WarmupErrors.Add($"{endpoint.Name} {outcome.Describe()}");
        }
    }
}
