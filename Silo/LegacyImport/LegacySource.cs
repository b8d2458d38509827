using MySqlConnector;

namespace Dilemma.Silo.LegacyImport;

public sealed record LegacyUser(long Id, string? Username, string? Email, bool IsGuest, bool DataConsent, bool VoiceConsent, DateTime? CreatedAt);

public sealed record LegacyRoom(long Id, string? RoomCode, string? Topic, bool IsStarted, long? CreatedBy, DateTime? CreatedAt);

public sealed record LegacyParticipant(long Id, long? RoomId, long? UserId, int? RoleId, string? Nickname);

public sealed record LegacyChoice(long Id, long? RoomId, long? ParticipantId, int? RoundNumber, int? Choice, int? Confidence);

public sealed record LegacyConsensus(long Id, long? RoomId, int? RoundNumber, int? Choice, int? Confidence);

/// <summary>Everything the importer reads from the original system, each table in id order.</summary>
public sealed record LegacyData(
    IReadOnlyList<LegacyUser> Users,
    IReadOnlyList<LegacyRoom> Rooms,
    IReadOnlyList<LegacyParticipant> Participants,
    IReadOnlyList<LegacyChoice> Choices,
    IReadOnlyList<LegacyConsensus> Consensus);

/// <summary>
/// Reads the original system's five tables whole. The original holds a few thousand rows, so holding them in
/// memory lets the importer check every reference (a seat's room and user, a choice's seat) before it writes,
/// and lets it read the original once, read-only, without keeping a transaction open on it.
/// </summary>
public static class LegacySource
{
    public static async Task<LegacyData> ReadAsync(string connectionString, CancellationToken cancellationToken)
    {
        // The original (SQLAlchemy on MySQL) may hold zero dates; they are read as missing rather than failing the read.
        var builder = new MySqlConnectionStringBuilder(connectionString) { ConvertZeroDateTime = true };
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return new LegacyData(
            await ReadAsync(connection, "SELECT id, username, email, is_guest, data_consent, voice_consent, created_at FROM users ORDER BY id",
                r => new LegacyUser(r.GetInt64(0), Text(r, 1), Text(r, 2), Flag(r, 3), Flag(r, 4), Flag(r, 5), Time(r, 6)), cancellationToken),
            await ReadAsync(connection, "SELECT id, room_code, topic, is_started, created_by, created_at FROM rooms ORDER BY id",
                r => new LegacyRoom(r.GetInt64(0), Text(r, 1), Text(r, 2), Flag(r, 3), Id(r, 4), Time(r, 5)), cancellationToken),
            await ReadAsync(connection, "SELECT id, room_id, user_id, role_id, nickname FROM room_participants ORDER BY id",
                r => new LegacyParticipant(r.GetInt64(0), Id(r, 1), Id(r, 2), Number(r, 3), Text(r, 4)), cancellationToken),
            await ReadAsync(connection, "SELECT id, room_id, participant_id, round_number, choice, confidence FROM round_choices ORDER BY id",
                r => new LegacyChoice(r.GetInt64(0), Id(r, 1), Id(r, 2), Number(r, 3), Number(r, 4), Number(r, 5)), cancellationToken),
            await ReadAsync(connection, "SELECT id, room_id, round_number, choice, confidence FROM consensus_choices ORDER BY id",
                r => new LegacyConsensus(r.GetInt64(0), Id(r, 1), Number(r, 2), Number(r, 3), Number(r, 4)), cancellationToken));
    }

    /// <summary>Every row of a query, read into a list (the importer reads its own tables this way too).</summary>
    internal static async Task<List<T>> ReadAsync<T>(MySqlConnection connection, string sql, Func<MySqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    // The whole row is already received (no SequentialAccess), so IsDBNull does no I/O.
#pragma warning disable CA1849
    private static string? Text(MySqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    // Column types in the original vary (TINYINT(1), INT, BIGINT): each value is converted, not cast.
    private static long? Id(MySqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Convert.ToInt64(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    private static int? Number(MySqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Convert.ToInt32(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    private static bool Flag(MySqlDataReader reader, int ordinal) => Number(reader, ordinal) is { } value && value != 0;

    // The original wrote datetime.utcnow() into DATETIME columns: the values are UTC without a zone.
    private static DateTime? Time(MySqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc);
#pragma warning restore CA1849
}
