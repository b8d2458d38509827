using System.Diagnostics;
using System.Globalization;
using Dilemma.Grains.Interfaces.Consent;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Scenarios;
using MySqlConnector;
using static Dilemma.Tools.DataGenerator.BulkInserter;

namespace Dilemma.Tools.DataGenerator;

/// <summary>How many of each row a generation wrote.</summary>
public sealed record GenerationReport(int Games, long Users, long Guests, long Participants, long ConsentingParticipants, long Choices, long Consensus, ActivityReport Activity, TimeSpan Elapsed);

/// <summary>
/// Fills the research tables with finished synthetic games for benchmarks and tests: rooms on the built-in
/// scenarios, three seated participants each with roles 1-3, five rounds of choices and a consensus per
/// round. Distributions follow the original service's shape: most participants are one-off guests, some
/// registered users play several games, most (not all) consent, choices lean to a popular option per
/// round, confidence peaks at 3-4, and the consensus usually follows the majority; <see cref="GameActivity"/>
/// adds the rest of a game's rows (events, sessions, voice, AI, consent records). Rows go in as
/// multi-row INSERTs of about a megabyte with checks off, which is what makes a million participants
/// a matter of a minute. It only adds rows; existing room codes are never reused.
/// </summary>
public static class SyntheticGames
{
    private const int CodeSpace = 1_000_000;

    // A prime that is not a factor of 10^6, so stepping by it visits every code once.
    private const int CodeStep = 999_983;

    private static readonly double[] ConfidenceWeights = [0.05, 0.15, 0.35, 0.30, 0.15];

    public static async Task<GenerationReport> GenerateAsync(string connectionString, int games, int seed, int days, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(games);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(days);
        var stopwatch = Stopwatch.StartNew();
        var random = new Random(seed);
        var scenarios = ScenarioBank.LoadEmbedded().Topics
            .Select(t => ScenarioBank.LoadEmbedded().FindByTopic(t.Topic)!)
            .ToList();

        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await BulkInserter.ExecuteAsync(connection, "SET SESSION foreign_key_checks = 0, unique_checks = 0", cancellationToken);

        var usedCodes = new HashSet<int>();
        await using (var command = new MySqlCommand("SELECT room_code FROM rooms", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                usedCodes.Add(int.Parse(reader.GetString(0), CultureInfo.InvariantCulture));
            }
        }

        if (CodeSpace - usedCodes.Count < games)
        {
            throw new InvalidOperationException($"Only {CodeSpace - usedCodes.Count} room codes are free; {games} games do not fit.");
        }

        long nextUserId;
        await using (var command = new MySqlCommand("SELECT COALESCE(MAX(id), 0) + 1 FROM users", connection))
        {
            nextUserId = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }

        var users = new BulkInserter(connection, "users (id, username, username_key, is_guest, guest_id, nickname, data_consent, voice_consent, created_at, last_login_at, data_consent_version, data_consent_at, voice_consent_version, voice_consent_at)");
        var rooms = new BulkInserter(connection, "rooms (room_code, title, topic, is_public, host_user_id, status, current_round, scenario_id, created_at, started_at, finished_at, session_code, study_label)");
        var participants = new BulkInserter(connection, "room_participants (room_code, user_id, nickname, role_id, joined_at)");
        var choices = new BulkInserter(connection, "round_choices (room_code, user_id, round_number, choice, confidence, revision, created_at, updated_at)");
        var submissions = new BulkInserter(connection, "round_choice_submissions (room_code, user_id, round_number, revision, choice, confidence, submitted_at)");
        var consensus = new BulkInserter(connection, "consensus_choices (room_code, round_number, choice, confidence, submitted_by, created_at)");
        var activity = new GameActivity(connection, random, scenarios);

        // Registered users are a pool that some seats draw from again; every other seat is a new guest.
        var registered = new List<GameActivity.Seat>();
        var registeredTarget = Math.Max(1, games * 3 * 15 / 100);
        long guests = 0;
        long consenting = 0;
        var now = DateTime.UtcNow;
        var code = random.Next(CodeSpace);
        for (var game = 0; game < games; game++)
        {
            do
            {
                code = (int)((code + (long)CodeStep) % CodeSpace);
            }
            while (!usedCodes.Add(code));

            var roomCode = code.ToString("D6", CultureInfo.InvariantCulture);
            var createdAt = now.AddSeconds(-random.NextDouble() * days * 86_400);
            var scenario = activity.PickScenario(games, createdAt);
            var startedAt = createdAt.AddSeconds(60 + random.Next(240));
            var finishedAt = startedAt.AddSeconds(900 + random.Next(1_500));

            var seats = new GameActivity.Seat[RoomRules.Capacity];
            for (var seat = 0; seat < seats.Length; seat++)
            {
                if (registered.Count > 0 && random.NextDouble() < 0.3)
                {
                    var pick = registered[random.Next(registered.Count)];
                    if (!seats.Take(seat).Any(s => s.Id == pick.Id))
                    {
                        seats[seat] = pick;
                        continue;
                    }
                }

                var id = nextUserId++;
                var isGuest = registered.Count >= registeredTarget || random.NextDouble() < 0.6;
                var consent = random.NextDouble() < (isGuest ? 0.8 : 0.9);
                var voice = random.NextDouble() < (isGuest ? 0.4 : 0.6);
                var joined = Sql(createdAt);
                var consents = $"{Bit(consent)},{Bit(voice)},{joined},{joined},{Version(consent)},{(consent ? joined : "NULL")},{Version(voice)},{(voice ? joined : "NULL")}";
                activity.Consented(id, consent, voice, createdAt);
                seats[seat] = new GameActivity.Seat(id, consent, voice);
                if (isGuest)
                {
                    guests++;
                    users.Add($"({id},NULL,NULL,1,'synth-{id}','guest{id}',{consents})");
                }
                else
                {
                    users.Add($"({id},'synth_{id}','SYNTH_{id}',0,NULL,NULL,{consents})");
                    registered.Add(seats[seat]);
                }

                await users.FlushIfFullAsync(cancellationToken);
            }

            // A session's facilitator is a registered user of their own who plays no seat.
            var session = activity.PickSession(() =>
            {
                var facilitator = nextUserId++;
                var at = Sql(createdAt.AddHours(-1));
                users.Add($"({facilitator},'teacher_{facilitator}','TEACHER_{facilitator}',0,NULL,NULL,0,0,{at},{at},NULL,NULL,NULL,NULL)");
                return facilitator;
            });
            rooms.Add($"('{roomCode}','Synthetic {roomCode}','{scenario.Topic}',{Bit(random.NextDouble() < 0.7)},{seats[0].Id},'finished',5,'{scenario.Id}',{Sql(createdAt)},{Sql(startedAt)},{Sql(finishedAt)},{Text(session?.Code)},{Text(session?.Study)})");
            if (session is not null)
            {
                activity.Facilitated(session, roomCode, seats, startedAt, finishedAt);
            }

            var roles = new[] { 1, 2, 3 };
            random.Shuffle(roles);
            for (var seat = 0; seat < seats.Length; seat++)
            {
                participants.Add($"('{roomCode}',{seats[seat].Id},'n{seats[seat].Id}',{roles[seat]},{Sql(createdAt.AddSeconds(seat * 20))})");
                consenting += seats[seat].Consent ? 1 : 0;
            }

            var roundLength = (finishedAt - startedAt).TotalSeconds / RoomRules.Rounds;
            for (var round = 1; round <= RoomRules.Rounds; round++)
            {
                var options = scenario.Rounds[round - 1].Options.Count;
                var popular = random.Next(options);
                var picked = new int[seats.Length];
                var confidenceSum = 0;
                var roundStart = startedAt.AddSeconds((round - 1) * roundLength);
                for (var seat = 0; seat < seats.Length; seat++)
                {
                    picked[seat] = random.NextDouble() < 0.55 ? popular : random.Next(options);
                    var confidence = Confidence(random);
                    confidenceSum += confidence;
                    if (activity.TimedOut(roomCode, seats[seat], round, roundStart.AddSeconds(roundLength * 0.6)))
                    {
                        continue;
                    }

                    var at = roundStart.AddSeconds(30 + random.Next(120));
                    var revised = random.NextDouble() < 0.15;
                    var revisedAt = revised ? at.AddSeconds(5 + random.Next(40)) : at;
                    choices.Add($"('{roomCode}',{seats[seat].Id},{round},{picked[seat]},{confidence},{(revised ? 2 : 1)},{Sql(at)},{Sql(revisedAt)})");
                    // Every submission, as round_choice_submissions keeps them: a revised choice's first one was another option.
                    if (revised)
                    {
                        submissions.Add($"('{roomCode}',{seats[seat].Id},{round},1,{(picked[seat] + 1) % options},{confidence},{Sql(at)})");
                    }

                    submissions.Add($"('{roomCode}',{seats[seat].Id},{round},{(revised ? 2 : 1)},{picked[seat]},{confidence},{Sql(revisedAt)})");
                }

                if (activity.NoConsensus(roomCode, round, roundStart.AddSeconds(roundLength * 0.9)))
                {
                    continue;
                }

                var majority = picked.GroupBy(p => p).OrderByDescending(g => g.Count()).First();
                var agreed = majority.Count() >= 2 && random.NextDouble() < 0.85 ? majority.Key : picked[random.Next(picked.Length)];
                var groupConfidence = Math.Clamp((int)Math.Round((confidenceSum / (double)seats.Length) + random.NextDouble()), 1, 5);
                consensus.Add($"('{roomCode}',{round},{agreed},{groupConfidence},{seats[random.Next(seats.Length)].Id},{Sql(roundStart.AddSeconds(roundLength * 0.9))})");
            }

            await rooms.FlushIfFullAsync(cancellationToken);
            await participants.FlushIfFullAsync(cancellationToken);
            await choices.FlushIfFullAsync(cancellationToken);
            await submissions.FlushIfFullAsync(cancellationToken);
            await consensus.FlushIfFullAsync(cancellationToken);
            await activity.PlayedAsync(roomCode, seats, startedAt, finishedAt, cancellationToken);
        }

        // Parents before children, although the checks are off: a reader of the log sees a sensible order.
        await users.FlushAsync(cancellationToken);
        await rooms.FlushAsync(cancellationToken);
        await participants.FlushAsync(cancellationToken);
        await choices.FlushAsync(cancellationToken);
        await submissions.FlushAsync(cancellationToken);
        await consensus.FlushAsync(cancellationToken);
        await activity.FlushAsync(cancellationToken);
        return new GenerationReport(games, users.Rows, guests, participants.Rows, consenting, choices.Rows, consensus.Rows, activity.Report, stopwatch.Elapsed);
    }

    private static string Version(bool held) => held ? Text(ConsentTexts.Current) : "NULL";

    private static int Confidence(Random random)
    {
        var draw = random.NextDouble();
        for (var i = 0; i < ConfidenceWeights.Length; i++)
        {
            draw -= ConfidenceWeights[i];
            if (draw < 0)
            {
                return i + 1;
            }
        }

        return ConfidenceWeights.Length;
    }
}
