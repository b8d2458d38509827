using Dapper;
using Dilemma.Grains.Accounts;
using Dilemma.Grains.Interfaces.Accounts;
using MySqlConnector;

namespace Dilemma.Grains.Research;

/// <summary>One user's research rows on MySQL/MariaDB: one round trip, nine result sets, each served by a user index.</summary>
public sealed class MySqlHeldResearchReader(MySqlDataSource dataSource) : IHeldResearchReader
{
    public async Task<HeldResearchData> ReadAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT room_code AS RoomCode, nickname AS Nickname, role_id AS RoleId, joined_at AS JoinedAt, left_at AS LeftAt
            FROM room_participants WHERE user_id = @userId ORDER BY joined_at, id;
            SELECT room_code AS RoomCode, round_number AS RoundNumber, choice AS Choice, confidence AS Confidence, revision AS Revision, updated_at AS At, language AS Language
            FROM round_choices WHERE user_id = @userId ORDER BY room_code, round_number;
            SELECT room_code AS RoomCode, round_number AS RoundNumber, choice AS Choice, confidence AS Confidence, created_at AS At, language AS Language
            FROM consensus_choices WHERE submitted_by = @userId ORDER BY room_code, round_number;
            SELECT room_code AS RoomCode, event_type AS EventType, occurred_at AS At
            FROM recording_events WHERE user_id = @userId ORDER BY id;
            SELECT room_code AS RoomCode, round_number AS RoundNumber, connection_state AS ConnectionState, relayed AS Relayed,
                   round_trip_ms AS RoundTripMs, jitter_ms AS JitterMs, packets_received AS PacketsReceived, packets_lost AS PacketsLost, reported_at AS At
            FROM connection_quality WHERE user_id = @userId ORDER BY id;
            SELECT room_code AS RoomCode, kind AS Kind, round_number AS RoundNumber, occurred_at AS At, provider AS Provider, model AS Model,
                   prompt_version AS PromptVersion, fell_back AS FellBack, fallback_reason AS FallbackReason
            FROM ai_interactions WHERE user_id = @userId ORDER BY id;
            SELECT room_code AS RoomCode, round_number AS RoundNumber, choice AS Choice, confidence AS Confidence, revision AS Revision, submitted_at AS At, language AS Language
            FROM round_choice_submissions WHERE user_id = @userId ORDER BY room_code, round_number, revision;
            SELECT room_code AS RoomCode, event_type AS EventType, round_number AS RoundNumber, occurred_at AS At
            FROM room_events WHERE user_id = @userId ORDER BY id;
            SELECT room_code AS RoomCode, action AS Action, reason AS Reason, occurred_at AS At
            FROM facilitator_actions WHERE user_id = @userId ORDER BY id;
            """,
            new { userId },
            cancellationToken: cancellationToken));
        var seats = await results.ReadAsync<SeatRow>();
        var choices = await results.ReadAsync<ChoiceRow>();
        var consensus = await results.ReadAsync<ConsensusRow>();
        var events = await results.ReadAsync<EventRow>();
        var links = await results.ReadAsync<LinkRow>();
        var ai = await results.ReadAsync<AiRow>();
        var submissions = await results.ReadAsync<ChoiceRow>();
        var roomEvents = await results.ReadAsync<RoomEventRow>();
        var actions = await results.ReadAsync<ActionRow>();
        return new HeldResearchData(
            [.. seats.Select(s => new HeldSeat(s.RoomCode, s.Nickname, s.RoleId, Utc(s.JoinedAt), s.LeftAt is { } left ? Utc(left) : null))],
            [.. choices.Select(c => new HeldChoice(c.RoomCode, c.RoundNumber, c.Choice, c.Confidence, c.Revision, Utc(c.At), c.Language))],
            [.. consensus.Select(c => new HeldConsensus(c.RoomCode, c.RoundNumber, c.Choice, c.Confidence, Utc(c.At), c.Language))],
            [.. events.Select(e => new HeldRecordingEvent(e.RoomCode, e.EventType, Utc(e.At)))],
            [.. links.Select(l => new HeldConnectionQuality(
                l.RoomCode, l.RoundNumber, l.ConnectionState, l.Relayed, l.RoundTripMs, l.JitterMs, l.PacketsReceived, l.PacketsLost, Utc(l.At)))],
            [.. ai.Select(a => new HeldAiInteraction(
                a.RoomCode, a.Kind, a.RoundNumber, Utc(a.At), a.Provider, a.Model, a.PromptVersion, a.FellBack, a.FallbackReason))],
            [.. submissions.Select(c => new HeldChoice(c.RoomCode, c.RoundNumber, c.Choice, c.Confidence, c.Revision, Utc(c.At), c.Language))],
            [.. roomEvents.Select(e => new HeldRoomEvent(e.RoomCode, e.EventType, e.RoundNumber, Utc(e.At)))],
            [.. actions.Select(a => new HeldFacilitatorAction(a.RoomCode, a.Action, a.Reason, Utc(a.At)))]);
    }

    // The columns are DATETIME, which carries no zone: every time in them was written as UTC.
    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    // Settable properties rather than positional records: Dapper then converts TINYINT to int as it assigns.
    private sealed class SeatRow
    {
        public string RoomCode { get; set; } = string.Empty;

        public string Nickname { get; set; } = string.Empty;

        public int? RoleId { get; set; }

        public DateTime JoinedAt { get; set; }

        public DateTime? LeftAt { get; set; }
    }

    private sealed class ChoiceRow
    {
        public string RoomCode { get; set; } = string.Empty;

        public int RoundNumber { get; set; }

        public int Choice { get; set; }

        public int Confidence { get; set; }

        public int Revision { get; set; }

        public DateTime At { get; set; }

        public string? Language { get; set; }
    }

    private sealed class ConsensusRow
    {
        public string RoomCode { get; set; } = string.Empty;

        public int RoundNumber { get; set; }

        public int Choice { get; set; }

        public int Confidence { get; set; }

        public DateTime At { get; set; }

        public string? Language { get; set; }
    }

    private sealed class EventRow
    {
        public string RoomCode { get; set; } = string.Empty;

        public string EventType { get; set; } = string.Empty;

        public DateTime At { get; set; }
    }

    private sealed class RoomEventRow
    {
        public string RoomCode { get; set; } = string.Empty;

        public string EventType { get; set; } = string.Empty;

        public int? RoundNumber { get; set; }

        public DateTime At { get; set; }
    }

    private sealed class ActionRow
    {
        public string? RoomCode { get; set; }

        public string Action { get; set; } = string.Empty;

        public string? Reason { get; set; }

        public DateTime At { get; set; }
    }

    private sealed class LinkRow
    {
        public string RoomCode { get; set; } = string.Empty;

        public int RoundNumber { get; set; }

        public string ConnectionState { get; set; } = string.Empty;

        public bool Relayed { get; set; }

        public double? RoundTripMs { get; set; }

        public double? JitterMs { get; set; }

        public long? PacketsReceived { get; set; }

        public long? PacketsLost { get; set; }

        public DateTime At { get; set; }
    }

    private sealed class AiRow
    {
        public string RoomCode { get; set; } = string.Empty;

        public string Kind { get; set; } = string.Empty;

        public int? RoundNumber { get; set; }

        public DateTime At { get; set; }

        public string Provider { get; set; } = string.Empty;

        public string? Model { get; set; }

        public string PromptVersion { get; set; } = string.Empty;

        public bool FellBack { get; set; }

        public string? FallbackReason { get; set; }
    }
}
