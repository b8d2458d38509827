using Dapper;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;
using MySqlConnector;

namespace Dilemma.Grains.Research;

public sealed class MySqlResearchAggregates(MySqlDataSource dataSource) : IResearchAggregates
{
    // The rounds in which a bot chose: left out of every figure but the count of completed rounds.
    private const string BotRounds = "bot_rounds AS (SELECT DISTINCT room_code, round_number FROM round_choices WHERE is_bot = 1)";

    // Per completed round: how many consenting participants chose each option, whether one
    // option has a majority, and whether the consensus matched it; a round a bot chose in is only counted as completed
    // and as with bots. CTEs need MySQL 8 or MariaDB 10.2. For one study, the choices counted are its rooms' only
    // (ix_rooms_study), and the query without a study stays as it was, with no join to rooms for it.
    private static string TopicFiguresSql(bool byStudy) => $"""
        WITH {BotRounds},
        counts AS (
            SELECT rc.room_code, rc.round_number, rc.choice, COUNT(*) AS n
            FROM round_choices rc {StudyRooms(byStudy, "rc")} JOIN users u ON u.id = rc.user_id AND u.data_consent = 1
            GROUP BY rc.room_code, rc.round_number, rc.choice),
        totals AS (
            SELECT room_code, round_number, SUM(n) AS total, COUNT(*) AS distinct_choices
            FROM counts GROUP BY room_code, round_number),
        majority AS (
            SELECT c.room_code, c.round_number, c.choice
            FROM counts c JOIN totals t ON t.room_code = c.room_code AND t.round_number = c.round_number
            WHERE c.n * 2 > t.total),
        rounds AS (
            SELECT r.topic, b.room_code IS NOT NULL AS with_bots,
                   CASE WHEN b.room_code IS NULL THEN cc.confidence END AS confidence, cc.choice AS consensus_choice,
                   CASE WHEN b.room_code IS NULL THEN m.choice END AS majority_choice,
                   CASE WHEN b.room_code IS NULL THEN t.distinct_choices END AS distinct_choices
            FROM consensus_choices cc
            JOIN rooms r ON r.room_code = cc.room_code
            LEFT JOIN bot_rounds b ON b.room_code = cc.room_code AND b.round_number = cc.round_number
            LEFT JOIN totals t ON t.room_code = cc.room_code AND t.round_number = cc.round_number
            LEFT JOIN majority m ON m.room_code = cc.room_code AND m.round_number = cc.round_number
            {(byStudy ? "WHERE r.study_label = @Study" : string.Empty)}),
        per_topic AS (
            SELECT topic, COUNT(*) AS rounds_completed, SUM(with_bots) AS with_bots,
                   SUM(majority_choice IS NOT NULL) AS with_majority,
                   SUM(majority_choice IS NOT NULL AND majority_choice = consensus_choice) AS followed,
                   SUM(distinct_choices = 1) AS unanimous,
                   AVG(confidence) AS mean_confidence
            FROM rounds GROUP BY topic),
        room_counts AS (
            SELECT topic, COUNT(*) AS rooms, SUM(status = 'finished') AS finished
            FROM rooms {(byStudy ? "WHERE study_label = @Study" : string.Empty)} GROUP BY topic)
        SELECT rc.topic AS Topic, CAST(rc.rooms AS SIGNED) AS Rooms, CAST(rc.finished AS SIGNED) AS FinishedRooms,
               CAST(COALESCE(p.rounds_completed, 0) AS SIGNED) AS RoundsCompleted,
               CAST(COALESCE(p.with_majority, 0) AS SIGNED) AS RoundsWithMajority,
               CAST(COALESCE(p.followed, 0) AS SIGNED) AS FollowedMajority,
               CAST(COALESCE(p.unanimous, 0) AS SIGNED) AS Unanimous,
               CAST(p.mean_confidence AS DOUBLE) AS MeanConsensusConfidence,
               CAST(COALESCE(p.with_bots, 0) AS SIGNED) AS RoundsWithBots
        FROM room_counts rc LEFT JOIN per_topic p ON p.topic = rc.topic
        ORDER BY rc.topic
        """;

    private static string RoleFiguresSql(bool byStudy) => $"""
        WITH {BotRounds}
        SELECT CAST(p.role_id AS SIGNED) AS RoleId, COUNT(*) AS Choices,
               CAST(AVG(rc.choice = cc.choice) AS DOUBLE) AS AgreementIndex,
               CAST(AVG(rc.confidence) AS DOUBLE) AS MeanConfidence,
               CAST(AVG(cc.confidence - rc.confidence) AS DOUBLE) AS MeanConfidenceShift
        FROM round_choices rc
        {StudyRooms(byStudy, "rc")}
        JOIN consensus_choices cc ON cc.room_code = rc.room_code AND cc.round_number = rc.round_number
        JOIN room_participants p ON p.room_code = rc.room_code AND p.user_id = rc.user_id
        JOIN users u ON u.id = rc.user_id AND u.data_consent = 1
        LEFT JOIN bot_rounds b ON b.room_code = rc.room_code AND b.round_number = rc.round_number
        WHERE p.role_id IS NOT NULL AND b.room_code IS NULL
        GROUP BY p.role_id
        ORDER BY p.role_id
        """;

    // Newest first: a researcher looks for the study under way. The label's index gives each study's rooms.
    private static readonly string StudiesSql = $"""
        SELECT study_label AS StudyLabel, COUNT(DISTINCT session_code) AS Sessions, COUNT(*) AS Rooms,
               CAST(SUM(status = 'finished') AS SIGNED) AS FinishedRooms, MIN(created_at) AS FirstRoomAt, MAX(created_at) AS LastRoomAt
        FROM rooms WHERE study_label IS NOT NULL
        GROUP BY study_label
        ORDER BY LastRoomAt DESC, study_label
        LIMIT {StudyList.MaxItems};
        SELECT COUNT(DISTINCT study_label) FROM rooms WHERE study_label IS NOT NULL;
        """;

    private static string StudyRooms(bool byStudy, string choices) =>
        byStudy ? $"JOIN rooms sr ON sr.room_code = {choices}.room_code AND sr.study_label = @Study" : string.Empty;

    public async Task<IReadOnlyList<TopicFigures>> TopicFiguresAsync(string? study, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<TopicRow>(new CommandDefinition(TopicFiguresSql(study is not null), new { Study = study }, cancellationToken: cancellationToken));
        return rows.Select(r => new TopicFigures(
            r.Topic,
            r.Rooms,
            r.FinishedRooms,
            r.RoundsCompleted,
            r.RoundsWithMajority,
            r.FollowedMajority,
            r.Unanimous,
            r.RoundsWithMajority == 0 ? null : Math.Round(r.FollowedMajority / (double)r.RoundsWithMajority, 4),
            r.MeanConsensusConfidence is { } mean ? Math.Round(mean, 4) : null,
            r.RoundsWithBots)).ToList();
    }

    public async Task<IReadOnlyList<RoleFigures>> RoleFiguresAsync(string? study, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<RoleRow>(new CommandDefinition(RoleFiguresSql(study is not null), new { Study = study }, cancellationToken: cancellationToken));
        return rows.Select(r => new RoleFigures(
            (int)r.RoleId,
            RoomRules.RoleName((int)r.RoleId),
            r.Choices,
            Round(r.AgreementIndex),
            Round(r.MeanConfidence),
            Round(r.MeanConfidenceShift))).ToList();
    }

    public async Task<StudyList> StudiesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(StudiesSql, cancellationToken: cancellationToken));
        var studies = (await results.ReadAsync<StudyRow>()).Select(r => new StudySummary(
            r.StudyLabel, r.Sessions, r.Rooms, r.FinishedRooms, Utc(r.FirstRoomAt), Utc(r.LastRoomAt))).ToList();
        return new StudyList(studies, await results.ReadSingleAsync<long>());
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 4) : null;

    // Classes rather than records: Dapper converts column types (INT, BIGINT, DECIMAL) into
    // properties, but matches constructors only on exact types, which differ between servers.
    private sealed class TopicRow
    {
        public string Topic { get; set; } = string.Empty;

        public long Rooms { get; set; }

        public long FinishedRooms { get; set; }

        public long RoundsCompleted { get; set; }

        public long RoundsWithMajority { get; set; }

        public long FollowedMajority { get; set; }

        public long Unanimous { get; set; }

        public double? MeanConsensusConfidence { get; set; }

        public long RoundsWithBots { get; set; }
    }

    private sealed class StudyRow
    {
        public string StudyLabel { get; set; } = string.Empty;

        public long Sessions { get; set; }

        public long Rooms { get; set; }

        public long FinishedRooms { get; set; }

        public DateTime FirstRoomAt { get; set; }

        public DateTime LastRoomAt { get; set; }
    }

    private sealed class RoleRow
    {
        public long RoleId { get; set; }

        public long Choices { get; set; }

        public double? AgreementIndex { get; set; }

        public double? MeanConfidence { get; set; }

        public double? MeanConfidenceShift { get; set; }
    }
}
