using System.Globalization;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Scenarios;
using MySqlConnector;

namespace Dilemma.Tools.DataGenerator;

/// <summary>What <see cref="LegacyDataSet.CreateAsync"/> wrote, and how many of its rows break a rule on purpose.</summary>
public sealed record LegacyDataSetReport(int Users, int Rooms, int StartedRooms, int Participants, int Choices, int Consensus)
{
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"Original schema with {Users} users, {Rooms} rooms ({StartedRooms} started), {Participants} participants, {Choices} round choices, {Consensus} consensus choices.");
}

/// <summary>
/// The original system's database as the importer meets it: its five tables (the columns the original's
/// SQLAlchemy models declare, no foreign keys enforced) and a deterministic data set of its size, 277 users,
/// 760 rooms and 1,693 seats. A room that started has three seats with the roles 1-3, one to five rounds of
/// choices (a seat now and then without one) and a consensus per round; a room that never started has one or
/// two seats and nothing else. A few rows are as a real database has them: seats without a nickname, codes
/// that are not six digits, a topic outside the scenario bank, and, on purpose, rows the importer must skip:
/// <see cref="OrphanSeats"/> seat whose user does not exist and <see cref="OutOfRangeChoices"/> choice outside 0-3.
/// </summary>
public static class LegacyDataSet
{
    public const int Users = 277;
    public const int Rooms = 760;
    public const int Participants = 1_693;
    public const int StartedRooms = 420;

    /// <summary>Seats whose user_id names no user (the original enforced no foreign keys).</summary>
    public const int OrphanSeats = 1;

    /// <summary>Round choices with choice 9.</summary>
    public const int OutOfRangeChoices = 1;

    /// <summary>Rooms whose code is not six digits (the original's codes were letters and digits at first).</summary>
    public const int LetterCodes = 2;

    /// <summary>Seats with an empty nickname.</summary>
    public const int SeatsWithoutNickname = 3;

    /// <summary>A topic the scenario bank does not have: its rooms get no scenario id.</summary>
    public const string UnknownTopic = "workshop-pilot";

    private const int MissingUserId = 100_000;

    private static readonly DateTime Start = new(2025, 3, 3, 9, 0, 0, DateTimeKind.Utc);

    public static async Task<LegacyDataSetReport> CreateAsync(string connectionString, int seed, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        var topics = ScenarioBank.LoadEmbedded().Topics.Select(t => t.Topic).ToList();
        var target = new MySqlConnectionStringBuilder(connectionString);
        var server = new MySqlConnectionStringBuilder(connectionString) { Database = string.Empty };
        await using (var connection = new MySqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, $"CREATE DATABASE IF NOT EXISTS `{target.Database.Replace("`", "``", StringComparison.Ordinal)}` CHARACTER SET utf8mb4", cancellationToken);
        }

        await using var db = new MySqlConnection(connectionString);
        await db.OpenAsync(cancellationToken);

        // CREATE TABLE without IF NOT EXISTS: generating into a database that already holds the tables fails.
        await ExecuteAsync(db, Schema, cancellationToken);

        var users = new List<string>();
        var names = new Dictionary<int, string>();
        for (var id = 1; id <= Users; id++)
        {
            var guest = random.NextDouble() < 0.6;
            var name = guest ? $"guest_{id:x4}" : id % 7 == 0 ? $"참가자{id}" : $"user{id}";
            names[id] = name;
            var created = Start.AddMinutes(random.Next(150 * 24 * 60));
            users.Add($"({id},{Text(name)},{(guest ? "NULL" : Text($"user{id}@example.org"))},{Bit(guest)},{Bit(random.NextDouble() < 0.85)},{Bit(random.NextDouble() < 0.5)},{Time(created)})");
        }

        // Which rooms started, and which of the others have two seats: exactly the original's 1,693 seats.
        var order = Enumerable.Range(1, Rooms).ToArray();
        random.Shuffle(order);
        var started = order.Take(StartedRooms).ToHashSet();
        var twoSeats = order.Skip(StartedRooms).Take(Participants - (3 * StartedRooms) - (Rooms - StartedRooms)).ToHashSet();
        var orphanRoom = twoSeats.Min();
        var letterRooms = order.Skip(10).Take(LetterCodes).ToHashSet();
        var codes = new HashSet<string>(StringComparer.Ordinal);

        var rooms = new List<string>();
        var seats = new List<string>();
        var choices = new List<string>();
        var consensus = new List<string>();
        var seatId = 0;
        var withoutNickname = 0;
        var outOfRange = 0;
        for (var roomId = 1; roomId <= Rooms; roomId++)
        {
            string code;
            do
            {
                code = letterRooms.Contains(roomId)
                    ? string.Create(CultureInfo.InvariantCulture, $"{(char)('A' + random.Next(26))}{(char)('A' + random.Next(26))}{random.Next(10_000):D4}")
                    : random.Next(1_000_000).ToString("D6", CultureInfo.InvariantCulture);
            }
            while (!codes.Add(code));

            var topic = roomId % 50 == 0 ? UnknownTopic : topics[random.Next(topics.Count)];
            var seatCount = started.Contains(roomId) ? 3 : twoSeats.Contains(roomId) ? 2 : 1;
            var players = Enumerable.Range(1, Users).OrderBy(_ => random.Next()).Take(seatCount).ToArray();
            if (roomId == orphanRoom)
            {
                players[1] = MissingUserId;
            }

            var created = Start.AddDays(150).AddMinutes(random.Next(100 * 24 * 60));
            rooms.Add($"({roomId},{Text(code)},{Text(topic)},{Bit(started.Contains(roomId))},{players[0]},{Time(created)})");
            var roles = new[] { 1, 2, 3 };
            random.Shuffle(roles);
            var firstSeat = seatId + 1;
            for (var seat = 0; seat < seatCount; seat++)
            {
                seatId++;
                var nickname = withoutNickname < SeatsWithoutNickname && roomId % 97 == 0 && seat == 0
                    ? (withoutNickname++ == 0 ? "NULL" : "''")
                    : Text(names.TryGetValue(players[seat], out var name) ? $"{name}-{roomId % 10}" : "ghost");
                seats.Add($"({seatId},{roomId},{players[seat]},{(started.Contains(roomId) ? roles[seat].ToString(CultureInfo.InvariantCulture) : "NULL")},{nickname})");
            }

            if (!started.Contains(roomId))
            {
                continue;
            }

            var rounds = random.NextDouble() < 0.85 ? RoomRules.Rounds : 1 + random.Next(RoomRules.Rounds - 1);
            for (var round = 1; round <= rounds; round++)
            {
                var popular = random.Next(4);
                for (var seat = 0; seat < seatCount; seat++)
                {
                    var planted = outOfRange < OutOfRangeChoices && roomId == order[0] && round == 1 && seat == 0;
                    if (!planted && random.NextDouble() < 0.03)
                    {
                        continue;
                    }

                    var choice = random.NextDouble() < 0.55 ? popular : random.Next(4);
                    if (planted)
                    {
                        choice = 9;
                        outOfRange++;
                    }

                    choices.Add($"({choices.Count + 1},{roomId},{firstSeat + seat},{round},{choice},{1 + random.Next(5)})");
                }

                consensus.Add($"({consensus.Count + 1},{roomId},{round},{(random.NextDouble() < 0.8 ? popular : random.Next(4))},{1 + random.Next(5)})");
            }
        }

        await InsertAsync(db, "users (id, username, email, is_guest, data_consent, voice_consent, created_at)", users, cancellationToken);
        await InsertAsync(db, "rooms (id, room_code, topic, is_started, created_by, created_at)", rooms, cancellationToken);
        await InsertAsync(db, "room_participants (id, room_id, user_id, role_id, nickname)", seats, cancellationToken);
        await InsertAsync(db, "round_choices (id, room_id, participant_id, round_number, choice, confidence)", choices, cancellationToken);
        await InsertAsync(db, "consensus_choices (id, room_id, round_number, choice, confidence)", consensus, cancellationToken);
        return new LegacyDataSetReport(Users, Rooms, StartedRooms, seats.Count, choices.Count, consensus.Count);
    }

    // The original's SQLAlchemy models (String(64) usernames, String(6) codes, String(32) nicknames); the
    // foreign keys they declare were not enforced on its MyISAM-era tables, so none are declared here.
    private const string Schema = """
        CREATE TABLE users (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, username VARCHAR(64) NULL UNIQUE, email VARCHAR(128) NULL,
            is_guest TINYINT(1) NULL, data_consent TINYINT(1) NULL, voice_consent TINYINT(1) NULL, created_at DATETIME NULL);
        CREATE TABLE rooms (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, room_code VARCHAR(6) NULL UNIQUE, topic VARCHAR(64) NULL,
            is_started TINYINT(1) NULL, created_by INT NULL, created_at DATETIME NULL);
        CREATE TABLE room_participants (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, room_id INT NULL, user_id INT NULL, role_id INT NULL,
            nickname VARCHAR(32) NULL);
        CREATE TABLE round_choices (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, room_id INT NULL, participant_id INT NULL,
            round_number INT NULL, choice INT NULL, confidence INT NULL);
        CREATE TABLE consensus_choices (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, room_id INT NULL, round_number INT NULL,
            choice INT NULL, confidence INT NULL);
        """;

    private static string Text(string value) => "'" + MySqlHelper.EscapeString(value) + "'";

    private static string Bit(bool value) => value ? "1" : "0";

    private static string Time(DateTime value) => value.ToString("\\'yyyy-MM-dd HH:mm:ss\\'", CultureInfo.InvariantCulture);

    private static async Task InsertAsync(MySqlConnection connection, string target, List<string> tuples, CancellationToken cancellationToken)
    {
        foreach (var chunk in tuples.Chunk(1_000))
        {
            await ExecuteAsync(connection, $"INSERT INTO {target} VALUES {string.Join(",", chunk)}", cancellationToken);
        }
    }

    private static async Task ExecuteAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
