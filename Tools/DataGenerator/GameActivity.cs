using System.Security.Cryptography;
using Dilemma.Grains.Ai;
using Dilemma.Grains.Interfaces.Ai;
using Dilemma.Grains.Interfaces.Consent;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Scenarios;
using Dilemma.Grains.Interfaces.Sessions;
using Dilemma.Grains.Research;
using MySqlConnector;
using static Dilemma.Tools.DataGenerator.BulkInserter;

namespace Dilemma.Tools.DataGenerator;

/// <summary>How many rows of each table besides users, rooms, seats, choices and consensus a generation wrote.</summary>
public sealed record ActivityReport(long ConsentRecords, long RoomEvents, long FacilitatorActions, long RecordingEvents, long ConnectionQuality, long GeneratedScenarios, long AiInteractions);

/// <summary>
/// What a finished game leaves beside its choices, in the proportions <see cref="Proportions"/> states: consent
/// records, room events (reconnects, time-outs, rounds without consensus), facilitator actions in sessions,
/// voice recordings and link reports, generated scenarios and the AI's questions and feedback. Every export
/// sheet then has rows in proportion to the participants, so a benchmark measures all of them.
/// </summary>
internal sealed class GameActivity(MySqlConnection connection, Random random, IReadOnlyList<Scenario> bank)
{
    public const string Proportions = """
        Proportions of `research` (per game of 3 seats and 5 rounds; registered users play again, guests once):
          consent: 80 % of guests and 90 % of registered users give data consent (version and a consent_records row),
                   40 % / 60 % voice consent
          rooms:   20 % on a generated scenario (one scenario per 50 games, with provenance); 30 % in a session of
                   up to 8 rooms with a study label, each session room with 2 facilitator actions on average
          seats:   10 % lose their connection once (participant_reconnecting + participant_returned); 2 % of
                   seat-rounds time out (timed_out event, no choice); 15 % of choices are revised once
          rounds:  4 % end without consensus (no_consensus event, no consensus row)
          voice:   rooms with two or more voice-consenting seats: 60 % record (started + stopped) and report link
                   quality, one row per seat, peer and round
          AI:      50 % of rooms: role questions per seat and round, feedback per seat at the end; 5 % fell back
        """;

    private const string Model = "gpt-4o-mini";
    private const int GamesPerGeneratedScenario = 50;
    private const int RoomsPerSession = 8;

    private readonly BulkInserter _consent = new(connection, "consent_records (user_id, kind, version, decision, recorded_at)");
    private readonly BulkInserter _events = new(connection, "room_events (room_code, event_type, user_id, round_number, actor_id, is_bot, occurred_at)");
    private readonly BulkInserter _actions = new(connection, "facilitator_actions (session_code, actor_id, action, room_code, user_id, reason, occurred_at, message, to_room_code)");
    private readonly BulkInserter _recordings = new(connection, "recording_events (room_code, user_id, event_type, occurred_at)");
    private readonly BulkInserter _quality = new(connection, "connection_quality (room_code, user_id, peer_user_id, round_number, connection_state, relayed, round_trip_ms, jitter_ms, packets_received, packets_lost, reported_at)");
    private readonly BulkInserter _scenarios = new(connection, "generated_scenarios (scenario_id, topic, source, provider, model, prompt_version, fell_back, fallback_reason, generated_at, raw_answer_sha256, scenario_json)");
    private readonly BulkInserter _ai = new(connection, "ai_interactions (room_code, user_id, kind, round_number, occurred_at, provider, model, prompt_version, fell_back, fallback_reason)");
    private readonly List<Scenario> _generated = [];
    private Session? _session;
    private int _sessions;

    /// <summary>A seat of a game: the user, and the consents they hold.</summary>
    public readonly record struct Seat(long Id, bool Consent, bool Voice);

    /// <summary>The session a room was opened in: its code, study label, facilitator and how many rooms it has.</summary>
    public sealed record Session(string Code, string Study, long Facilitator)
    {
        public int Rooms { get; set; }
    }

    public ActivityReport Report => new(_consent.Rows, _events.Rows, _actions.Rows, _recordings.Rows, _quality.Rows, _scenarios.Rows, _ai.Rows);

    /// <summary>A consenting user's consent records; the version goes on the user row too.</summary>
    public void Consented(long userId, bool data, bool voice, DateTime at)
    {
        if (data)
        {
            _consent.Add($"({userId},'data',{Text(ConsentTexts.Current)},'granted',{Sql(at)})");
        }

        if (voice)
        {
            _consent.Add($"({userId},'voice',{Text(ConsentTexts.Current)},'granted',{Sql(at)})");
        }
    }

    /// <summary>The scenario a game is played on: mostly the bank's, sometimes a generated variant of it.</summary>
    public Scenario PickScenario(int games, DateTime createdAt)
    {
        var pick = bank[random.Next(bank.Count)];
        if (random.NextDouble() >= 0.2)
        {
            return pick;
        }

        if (_generated.Count < Math.Max(1, games / GamesPerGeneratedScenario))
        {
            var variant = _generated.Count + 1;
            var generated = GeneratedScenarios.Identify(
                pick with { Title = new LocalizedText($"{pick.Title.Ko} ({variant})", $"{pick.Title.En} ({variant})") },
                GeneratedScenarios.LlmSource);
            _generated.Add(generated);
            var rawAnswer = Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(random.NextInt64())));
            _scenarios.Add($"({Text(generated.Id)},{Text(generated.Topic)},{Text(generated.Source)},'{AiRules.OpenAiProvider}','{Model}','{PromptLibrary.CurrentVersion}/ko/{PromptLibrary.Scenario}',0,NULL,{Sql(createdAt.AddMinutes(-5))},'{rawAnswer}',{Text(ScenarioJson.Write(generated))})");
            return generated;
        }

        return _generated[random.Next(_generated.Count)];
    }

    /// <summary>The session a new room belongs to, or null for a room opened by hand; <paramref name="newFacilitator"/> makes the user a new session's facilitator is.</summary>
    public Session? PickSession(Func<long> newFacilitator)
    {
        if (random.NextDouble() >= 0.3)
        {
            return null;
        }

        if (_session is null || _session.Rooms >= RoomsPerSession)
        {
            _sessions++;
            var code = string.Concat(Enumerable.Range(0, SessionRules.CodeLength).Select(_ => SessionRules.CodeAlphabet[random.Next(SessionRules.CodeAlphabet.Length)]));
            _session = new Session(code, $"study-{1 + (_sessions % 12)}", newFacilitator());
        }

        _session.Rooms++;
        return _session;
    }

    /// <summary>A session room's facilitator actions: a pause and its resume, an extension or a broadcast.</summary>
    public void Facilitated(Session session, string roomCode, Seat[] seats, DateTime startedAt, DateTime finishedAt)
    {
        var at = startedAt.AddSeconds(random.NextDouble() * (finishedAt - startedAt).TotalSeconds * 0.8);
        var actor = session.Facilitator;
        var room = $"'{session.Code}',{actor}";
        switch (random.Next(3))
        {
            case 0:
                _actions.Add($"({room},'{FacilitatorActionKind.PauseRoom}','{roomCode}',NULL,'Class question',{Sql(at)},NULL,NULL)");
                _actions.Add($"({room},'{FacilitatorActionKind.ResumeRoom}','{roomCode}',NULL,NULL,{Sql(at.AddSeconds(60 + random.Next(120)))},NULL,NULL)");
                break;
            case 1:
                _actions.Add($"({room},'{FacilitatorActionKind.ExtendDeadline}','{roomCode}',NULL,'Slow readers',{Sql(at)},NULL,NULL)");
                _actions.Add($"({room},'{FacilitatorActionKind.Broadcast}','{roomCode}',NULL,NULL,{Sql(at.AddSeconds(30))},'Two minutes left',NULL)");
                break;
            default:
                _actions.Add($"({room},'{FacilitatorActionKind.RemoveParticipant}','{roomCode}',{seats[random.Next(seats.Length)].Id},'Left the classroom',{Sql(at)},NULL,NULL)");
                _actions.Add($"({room},'{FacilitatorActionKind.Broadcast}','{roomCode}',NULL,NULL,{Sql(at.AddSeconds(10))},'Carry on with two',NULL)");
                break;
        }
    }

    /// <summary>Whether this seat's choice in a round timed out: then the event is written and no choice is.</summary>
    public bool TimedOut(string roomCode, Seat seat, int round, DateTime deadline)
    {
        if (random.NextDouble() >= 0.02)
        {
            return false;
        }

        _events.Add($"('{roomCode}','{RoomEventType.TimedOut}',{seat.Id},{round},NULL,0,{Sql(deadline)})");
        return true;
    }

    /// <summary>Whether a round ended without consensus: then the event is written and no consensus row is.</summary>
    public bool NoConsensus(string roomCode, int round, DateTime deadline)
    {
        if (random.NextDouble() >= 0.04)
        {
            return false;
        }

        _events.Add($"('{roomCode}','{RoomEventType.NoConsensus}',NULL,{round},NULL,0,{Sql(deadline)})");
        return true;
    }

    /// <summary>The rest of a game's activity: reconnects, recording and link reports, the AI's questions and feedback.</summary>
    public async Task PlayedAsync(string roomCode, Seat[] seats, DateTime startedAt, DateTime finishedAt, CancellationToken cancellationToken)
    {
        var length = (finishedAt - startedAt).TotalSeconds;
        var roundLength = length / RoomRules.Rounds;
        foreach (var seat in seats.Where(_ => random.NextDouble() < 0.1))
        {
            var lost = startedAt.AddSeconds(random.NextDouble() * length * 0.9);
            _events.Add($"('{roomCode}','{RoomEventType.Reconnecting}',{seat.Id},NULL,NULL,0,{Sql(lost)})");
            _events.Add($"('{roomCode}','{RoomEventType.Returned}',{seat.Id},NULL,{seat.Id},0,{Sql(lost.AddSeconds(3 + random.Next(25)))})");
        }

        var voice = seats.Where(s => s.Voice).ToArray();
        if (voice.Length >= 2 && random.NextDouble() < 0.6)
        {
            _recordings.Add($"('{roomCode}',{voice[0].Id},'{RecordingEventType.Started}',{Sql(startedAt.AddSeconds(5))})");
            _recordings.Add($"('{roomCode}',{voice[0].Id},'{RecordingEventType.Stopped}',{Sql(finishedAt)})");
            for (var round = 1; round <= RoomRules.Rounds; round++)
            {
                var reported = Sql(startedAt.AddSeconds(round * roundLength));
                foreach (var seat in voice)
                {
                    foreach (var peer in voice.Where(p => p.Id != seat.Id))
                    {
                        var received = (long)(roundLength * 50);
                        _quality.Add($"('{roomCode}',{seat.Id},{peer.Id},{round},'connected',{Bit(random.NextDouble() < 0.15)},{20 + (random.NextDouble() * 130):F1},{1 + (random.NextDouble() * 29):F1},{received},{(long)(received * random.NextDouble() * 0.02)},{reported})");
                    }
                }
            }
        }

        if (random.NextDouble() < 0.5)
        {
            var language = random.NextDouble() < 0.7 ? AiRules.Korean : AiRules.English;
            for (var round = 1; round <= RoomRules.Rounds; round++)
            {
                var at = startedAt.AddSeconds(((round - 1) * roundLength) + 2);
                foreach (var seat in seats)
                {
                    _ai.Add(Interaction(roomCode, seat.Id, AiInteractionKind.Question, round.ToString(System.Globalization.CultureInfo.InvariantCulture), at, language, PromptLibrary.Questions));
                }
            }

            foreach (var seat in seats)
            {
                _ai.Add(Interaction(roomCode, seat.Id, AiInteractionKind.Feedback, "NULL", finishedAt.AddSeconds(5), language, PromptLibrary.Feedback));
            }
        }

        foreach (var inserter in new[] { _consent, _events, _actions, _recordings, _quality, _scenarios, _ai })
        {
            await inserter.FlushIfFullAsync(cancellationToken);
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var inserter in new[] { _consent, _scenarios, _events, _actions, _recordings, _quality, _ai })
        {
            await inserter.FlushAsync(cancellationToken);
        }
    }

    private string Interaction(string roomCode, long userId, string kind, string round, DateTime at, string language, string purpose)
    {
        var fellBack = random.NextDouble() < 0.05;
        return $"('{roomCode}',{userId},'{kind}',{round},{Sql(at)},'{AiRules.OpenAiProvider}','{Model}','{PromptLibrary.CurrentVersion}/{language}/{purpose}',{Bit(fellBack)},{(fellBack ? $"'{FallbackReasons.Timeout}'" : "NULL")})";
    }
}
