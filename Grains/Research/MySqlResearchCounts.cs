using Dilemma.Grains.Interfaces.Research;
using MySqlConnector;

namespace Dilemma.Grains.Research;

/// <summary>The research tables' counts on MySQL/MariaDB.</summary>
public sealed class MySqlResearchCounts(MySqlDataSource dataSource) : IResearchCounts
{
    public async Task<ResearchCounts> CountAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);

        // One statement, so every count is of the same moment and the endpoint costs one round trip.
        await using var command = new MySqlCommand(
            """
            SELECT (SELECT COUNT(*) FROM users WHERE is_bot = 0),
                   (SELECT COUNT(*) FROM users WHERE is_guest = 1 AND is_bot = 0),
                   (SELECT COUNT(*) FROM users WHERE data_consent = 1 AND is_bot = 0),
                   (SELECT COUNT(*) FROM rooms WHERE status IN ('waiting', 'closed')),
                   (SELECT COUNT(*) FROM rooms WHERE status = 'started'),
                   (SELECT COUNT(*) FROM rooms WHERE status = 'finished'),
                   (SELECT COUNT(*) FROM room_participants WHERE left_at IS NULL),
                   (SELECT COUNT(*) FROM room_participants WHERE left_at IS NOT NULL),
                   (SELECT COUNT(*) FROM round_choices),
                   (SELECT COUNT(*) FROM consensus_choices),
                   (SELECT COUNT(*) FROM recording_events),
                   (SELECT COUNT(*) FROM research_exports),
                   (SELECT COUNT(*) FROM users WHERE is_bot = 1),
                   (SELECT COUNT(*) FROM room_participants p JOIN users u ON u.id = p.user_id WHERE p.left_at IS NULL AND u.is_bot = 1),
                   (SELECT COUNT(*) FROM round_choices WHERE is_bot = 1)
            """,
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ResearchCounts(
            reader.GetInt64(0),
            reader.GetInt64(1),
            reader.GetInt64(2),
            reader.GetInt64(3),
            reader.GetInt64(4),
            reader.GetInt64(5),
            reader.GetInt64(6),
            reader.GetInt64(7),
            reader.GetInt64(8),
            reader.GetInt64(9),
            reader.GetInt64(10),
            reader.GetInt64(11),
            now,
            reader.GetInt64(12),
            reader.GetInt64(13),
            reader.GetInt64(14));
    }
}
