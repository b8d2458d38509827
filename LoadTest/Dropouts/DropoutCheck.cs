using System.Globalization;
using System.Text;
using MySqlConnector;

namespace Dilemma.LoadTest.Dropouts;

/// <summary>
/// What the database holds about the run's games, against what the run caused: every game finished
/// (<c>rooms.status</c>), and each room's <c>room_events</c> rows exactly the expected ones (compared
/// as multisets of type, user, round and actor; their order within a room is the server's).
/// </summary>
public sealed record DropoutCheck(
    int Games,
    int Finished,
    int PlayersVanished,
    long EventsExpected,
    long EventsFound,
    int RoomsWithOtherEvents,
    IReadOnlyList<string> Differences)
{
    /// <summary>Rooms read per query: enough to keep the queries few, few enough to keep each one small.</summary>
    private const int Batch = 500;

    /// <summary>The first differences are listed; past these only counted.</summary>
    private const int DifferencesShown = 10;

    public bool Passed => Finished == Games && RoomsWithOtherEvents == 0;

    public static async Task<DropoutCheck> RunAsync(string connectionString, IReadOnlyList<ExpectedEvents> games, int playersVanished, CancellationToken cancellationToken)
    {
        var statuses = new Dictionary<string, string>(StringComparer.Ordinal);
        var found = new Dictionary<string, List<RoomEventRow>>(StringComparer.Ordinal);
        await using (var connection = new MySqlConnection(connectionString))
        {
            await connection.OpenAsync(cancellationToken);
            foreach (var chunk in games.Select(g => g.RoomCode).Chunk(Batch))
            {
                await ReadAsync(connection, "SELECT room_code, status FROM rooms WHERE room_code IN ({0})", chunk, r => statuses[r.GetString(0)] = r.GetString(1), cancellationToken);
                await ReadAsync(
                    connection,
                    "SELECT room_code, event_type, user_id, round_number, actor_id FROM room_events WHERE room_code IN ({0}) ORDER BY id",
                    chunk,
                    r =>
                    {
                        var code = r.GetString(0);
                        if (!found.TryGetValue(code, out var rows))
                        {
                            found[code] = rows = [];
                        }

                        rows.Add(new RoomEventRow(r.GetString(1), Read<long>(r, 2), Read<int>(r, 3), Read<long>(r, 4)));
                    },
                    cancellationToken);
            }
        }

        var differences = new List<string>();
        var finished = 0;
        var other = 0;
        foreach (var game in games)
        {
            var status = statuses.GetValueOrDefault(game.RoomCode, "(no row)");
            if (status == "finished")
            {
                finished++;
            }
            else if (differences.Count < DifferencesShown)
            {
                differences.Add($"room {game.RoomCode}: status {status}, not finished");
            }

            var rows = found.GetValueOrDefault(game.RoomCode) ?? [];
            if (!SameRows(game.Rows, rows))
            {
                other++;
                if (differences.Count < DifferencesShown)
                {
                    differences.Add($"room {game.RoomCode}: expected [{Describe(game.Rows)}], found [{Describe(rows)}]");
                }
            }
        }

        return new DropoutCheck(games.Count, finished, playersVanished, games.Sum(g => (long)g.Rows.Count), found.Values.Sum(r => (long)r.Count), other, differences);
    }

    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"  dropout check    {(Passed ? "passed" : "FAILED")}: {Games} games started, {Finished} finished; {PlayersVanished} players vanished");
        text.AppendLine(CultureInfo.InvariantCulture, $"  room_events      expected {EventsExpected}, found {EventsFound}; rooms whose rows differ {RoomsWithOtherEvents}");
        foreach (var difference in Differences)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    {difference}");
        }

        return text.ToString();
    }

    private static bool SameRows(IReadOnlyList<RoomEventRow> expected, IReadOnlyList<RoomEventRow> found) =>
        expected.Count == found.Count && expected.Order(RowOrder.Instance).SequenceEqual(found.Order(RowOrder.Instance));

    private static string Describe(IEnumerable<RoomEventRow> rows) =>
        string.Join("; ", rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Type} user {r.UserId?.ToString(CultureInfo.InvariantCulture) ?? "-"} round {r.Round?.ToString(CultureInfo.InvariantCulture) ?? "-"} actor {r.Actor?.ToString(CultureInfo.InvariantCulture) ?? "-"}")));

    private static T? Read<T>(MySqlDataReader reader, int ordinal)
        where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    private static async Task ReadAsync(MySqlConnection connection, string sql, string[] codes, Action<MySqlDataReader> row, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = string.Format(CultureInfo.InvariantCulture, sql, string.Join(", ", codes.Select((_, i) => $"@c{i}")));
        for (var i = 0; i < codes.Length; i++)
        {
            command.Parameters.AddWithValue($"@c{i}", codes[i]);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            row(reader);
        }
    }

    /// <summary>Any total order will do: it only has to put equal multisets in the same sequence.</summary>
    private sealed class RowOrder : IComparer<RoomEventRow>
    {
        public static readonly RowOrder Instance = new();

        public int Compare(RoomEventRow x, RoomEventRow y)
        {
            var type = string.CompareOrdinal(x.Type, y.Type);
            if (type != 0)
            {
                return type;
            }

            var user = Nullable.Compare(x.UserId, y.UserId);
            if (user != 0)
            {
                return user;
            }

            var round = Nullable.Compare(x.Round, y.Round);
            return round != 0 ? round : Nullable.Compare(x.Actor, y.Actor);
        }
    }
}
