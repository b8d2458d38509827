using Dapper;
using Dilemma.Grains.Research;
using Dilemma.Grains.Storage;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using MySqlConnector;

namespace Dilemma.Tests.Research;

/// <summary>
/// The MySQL store records an event that happens once (a seat's absent, timed_out, a round's no_consensus, a removal, a move) once,
/// however often a retried call repeats it; events that may recur (a drop, a return), once per number the room gave them, and
/// without a number as often as they come. A bot's choice is likewise one AI interaction.
/// </summary>
public sealed class RoomEventRecordTests(ClusterKestrelFixture cluster) : IClassFixture<ClusterKestrelFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_event_that_happens_once_is_recorded_once_and_one_that_recurs_each_time()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(cluster.Client, Ct);
        await using var dataSource = new MySqlDataSource(cluster.Deployment.MySqlConnectionString);
        await using var groupCommit = new MySqlGroupCommit(dataSource);
        var store = new MySqlResearchStore(dataSource, groupCommit);
        var (user, at) = (players[2].UserId, DateTime.UtcNow);

        foreach (var round in new[] { 4, 4, 5 })
        {
            foreach (var type in new[] { RoomEventType.TimedOut, RoomEventType.Absent, RoomEventType.Removed, RoomEventType.MovedOut, RoomEventType.BotJoined, RoomEventType.Dropped })
            {
                await store.RecordRoomEventAsync(new RoomEventRecord(code, type, user, round, ActorId: null, IsBot: false, at), Ct);
            }

            await store.RecordRoomEventAsync(new RoomEventRecord(code, RoomEventType.NoConsensus, UserId: null, round, ActorId: null, IsBot: false, at), Ct);
        }

        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var rows = (await connection.QueryAsync<(string Type, int Round)>(new CommandDefinition(
            "SELECT event_type, round_number FROM room_events WHERE room_code = @code AND round_number >= 4 ORDER BY event_type, round_number",
            new { code },
            cancellationToken: Ct))).ToList();
        Assert.Equal(
            [
                ("absent", 4), ("absent", 5),
                ("bot_joined", 4),
                ("no_consensus", 4), ("no_consensus", 5),
                ("participant_dropped", 4), ("participant_dropped", 4), ("participant_dropped", 5),
                ("participant_moved_out", 4),
                ("participant_removed", 4),
                ("timed_out", 4), ("timed_out", 5),
            ],
            rows);
    }

    /// <summary>
    /// A drop, a return, a reconnect or a host change run again after its room's save failed carries the number it had
    /// (the room's count went back with its state): it is the row already there. The seat's next one, numbered one more,
    /// is a row of its own, and so is the same number of another seat or of another kind of event.
    /// </summary>
    [Fact]
    public async Task A_recurring_event_recorded_again_with_its_number_is_one_row_and_its_next_number_another()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(cluster.Client, Ct);
        await using var dataSource = new MySqlDataSource(cluster.Deployment.MySqlConnectionString);
        await using var groupCommit = new MySqlGroupCommit(dataSource);
        var store = new MySqlResearchStore(dataSource, groupCommit);
        var (user, other, at) = (players[2].UserId, players[1].UserId, Microseconds(DateTime.UtcNow));

        RoomEventRecord Event(string type, long about, int occurrence, int seconds) =>
            new(code, type, about, RoundNumber: null, ActorId: null, IsBot: false, at.AddSeconds(seconds), occurrence);

        await store.RecordRoomEventAsync(Event(RoomEventType.Reconnecting, user, 1, 0), Ct);
        await store.RecordRoomEventAsync(Event(RoomEventType.Dropped, user, 2, 1), Ct);
        await store.RecordRoomEventAsync(Event(RoomEventType.Dropped, user, 2, 2), Ct);
        await store.RecordRoomEventAsync(Event(RoomEventType.HostChanged, other, 1, 2), Ct);
        await store.RecordRoomEventAsync(Event(RoomEventType.HostChanged, other, 1, 3), Ct);
        await store.RecordRoomEventAsync(Event(RoomEventType.Returned, user, 3, 4), Ct);
        await store.RecordRoomEventAsync(Event(RoomEventType.Dropped, user, 4, 5), Ct);
        await store.RecordRoomEventAsync(Event(RoomEventType.Dropped, user, 4, 6), Ct);
        await store.RecordRoomEventAsync(Event(RoomEventType.Dropped, other, 2, 7), Ct);

        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var rows = (await connection.QueryAsync<(string Type, long User, int? Occurrence, DateTime At)>(new CommandDefinition(
            "SELECT event_type, user_id, occurrence, occurred_at FROM room_events WHERE room_code = @code ORDER BY id",
            new { code },
            cancellationToken: Ct))).ToList();
        Assert.Equal(
            [
                ("participant_reconnecting", user, (int?)1, at), ("participant_dropped", user, 2, at.AddSeconds(1)),
                ("host_changed", other, 1, at.AddSeconds(2)),
                ("participant_returned", user, 3, at.AddSeconds(4)), ("participant_dropped", user, 4, at.AddSeconds(5)),
                ("participant_dropped", other, 2, at.AddSeconds(7)),
            ],
            rows.Select(r => (r.Type, r.User, r.Occurrence, Microseconds(r.At))));
    }

    /// <summary>
    /// What a room reads back at activation: the seats whose last presence row (reconnecting, returned, dropped) is a
    /// reconnecting, with its number and time; a seat back or dropped since is not one of them.
    /// </summary>
    [Fact]
    public async Task The_seats_whose_last_presence_row_is_a_reconnecting_are_read_back_with_it()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(cluster.Client, Ct);
        await using var dataSource = new MySqlDataSource(cluster.Deployment.MySqlConnectionString);
        await using var groupCommit = new MySqlGroupCommit(dataSource);
        var store = new MySqlResearchStore(dataSource, groupCommit);
        var at = Microseconds(DateTime.UtcNow);
        Assert.Empty((await store.ReadActivationEventsAsync(code, Ct)).Reconnecting);

        var rows = new (string Type, long User, int Occurrence)[]
        {
            (RoomEventType.Reconnecting, players[0].UserId, 1), (RoomEventType.Returned, players[0].UserId, 2),
            (RoomEventType.Reconnecting, players[1].UserId, 1), (RoomEventType.Dropped, players[1].UserId, 2),
            (RoomEventType.Reconnecting, players[2].UserId, 1), (RoomEventType.Returned, players[2].UserId, 2),
            (RoomEventType.HostChanged, players[2].UserId, 3), (RoomEventType.Reconnecting, players[2].UserId, 4),
            (RoomEventType.Absent, players[2].UserId, 5),
        };
        for (var i = 0; i < rows.Length; i++)
        {
            await store.RecordRoomEventAsync(new RoomEventRecord(code, rows[i].Type, rows[i].User, RoundNumber: 1, ActorId: null, IsBot: false, at.AddSeconds(i), rows[i].Occurrence), Ct);
        }

        var read = await store.ReadActivationEventsAsync(code, Ct);
        var reconnecting = Assert.Single(read.Reconnecting);
        Assert.Equal((players[2].UserId, (int?)4, at.AddSeconds(7)), (reconnecting.UserId, reconnecting.Occurrence, reconnecting.At));
        Assert.Null(read.EndedEarly);
    }

    /// <summary>The early end and a seat still reconnecting come back together: what a room reads at activation is one query.</summary>
    [Fact]
    public async Task A_rooms_early_end_is_recorded_once_and_read_back_as_first_recorded_with_the_reconnecting_seats()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(cluster.Client, Ct);
        await using var dataSource = new MySqlDataSource(cluster.Deployment.MySqlConnectionString);
        await using var groupCommit = new MySqlGroupCommit(dataSource);
        var store = new MySqlResearchStore(dataSource, groupCommit);
        var first = new DateTime(2026, 12, 6, 1, 0, 0, DateTimeKind.Utc);
        Assert.Null((await store.ReadActivationEventsAsync(code, Ct)).EndedEarly);

        await store.RecordRoomEventAsync(new RoomEventRecord(code, RoomEventType.Reconnecting, players[1].UserId, 2, ActorId: null, IsBot: false, first.AddSeconds(-5), Occurrence: 1), Ct);
        await store.RecordRoomEventAsync(new RoomEventRecord(code, RoomEventType.EndedEarly, UserId: null, 2, players[0].UserId, IsBot: false, first), Ct);
        await store.RecordRoomEventAsync(new RoomEventRecord(code, RoomEventType.EndedEarly, UserId: null, 2, ActorId: null, IsBot: false, first.AddMinutes(1)), Ct);

        var read = await store.ReadActivationEventsAsync(code, Ct);
        Assert.Equal((players[0].UserId, 2, first), (read.EndedEarly!.ActorId, read.EndedEarly.RoundNumber, read.EndedEarly.At));
        var reconnecting = Assert.Single(read.Reconnecting);
        Assert.Equal((players[1].UserId, (int?)1, first.AddSeconds(-5)), (reconnecting.UserId, reconnecting.Occurrence, reconnecting.At));
    }

    /// <summary>A bot's choice made again replaces its AI interaction, as it replaces the choice; questions asked twice are two rows.</summary>
    [Fact]
    public async Task A_bots_choice_made_again_replaces_its_ai_interaction_and_questions_are_each_recorded()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(cluster.Client, Ct);
        await using var dataSource = new MySqlDataSource(cluster.Deployment.MySqlConnectionString);
        await using var groupCommit = new MySqlGroupCommit(dataSource);
        var store = new MySqlResearchStore(dataSource, groupCommit);
        var (user, at) = (players[2].UserId, new DateTime(2026, 12, 6, 1, 0, 0, DateTimeKind.Utc));

        await store.RecordAiInteractionAsync(new AiInteractionRecord(code, user, AiInteractionKind.BotChoice, 1, at, "openai", "m", "v1", FellBack: false, null), Ct);
        await store.RecordAiInteractionAsync(new AiInteractionRecord(code, user, AiInteractionKind.BotChoice, 1, at.AddMinutes(1), "offline", null, "v1", FellBack: true, "timeout"), Ct);
        await store.RecordAiInteractionAsync(new AiInteractionRecord(code, user, AiInteractionKind.BotChoice, 2, at.AddMinutes(2), "offline", null, "v1", FellBack: false, null), Ct);
        for (var i = 0; i < 2; i++)
        {
            await store.RecordAiInteractionAsync(new AiInteractionRecord(code, user, AiInteractionKind.Question, 1, at.AddMinutes(3 + i), "offline", null, "v1", FellBack: false, null), Ct);
        }

        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var rows = (await connection.QueryAsync<(string Kind, int Round, string Provider, bool FellBack, DateTime At)>(new CommandDefinition(
            "SELECT kind, round_number, provider, fell_back, occurred_at FROM ai_interactions WHERE room_code = @code AND user_id = @user ORDER BY id",
            new { code, user },
            cancellationToken: Ct))).ToList();
        Assert.Equal(
            [
                ("bot_choice", 1, "offline", true, at.AddMinutes(1)),
                ("bot_choice", 2, "offline", false, at.AddMinutes(2)),
                ("question", 1, "offline", false, at.AddMinutes(3)),
                ("question", 1, "offline", false, at.AddMinutes(4)),
            ],
            rows);
    }

    /// <summary>The room's latest recording row, read back as recorded: what a retried start or stop compares itself with.</summary>
    [Fact]
    public async Task A_rooms_last_recording_change_is_read_back_as_recorded()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(cluster.Client, Ct);
        await using var dataSource = new MySqlDataSource(cluster.Deployment.MySqlConnectionString);
        await using var groupCommit = new MySqlGroupCommit(dataSource);
        var store = new MySqlResearchStore(dataSource, groupCommit);
        var first = new DateTime(2026, 12, 6, 1, 0, 0, DateTimeKind.Utc);
        Assert.Null(await store.ReadLastRecordingEventAsync(code, Ct));

        await store.RecordRecordingEventAsync(code, players[0].UserId, RecordingEventType.Started, first, Ct);
        await store.RecordRecordingEventAsync(code, players[1].UserId, RecordingEventType.Stopped, first.AddSeconds(5), Ct);

        Assert.Equal(
            new RecordingEventRecord(code, players[1].UserId, RecordingEventType.Stopped, first.AddSeconds(5)),
            await store.ReadLastRecordingEventAsync(code, Ct));
    }

    // DATETIME(6) keeps microseconds; DateTime ticks are tenths of them.
    private static DateTime Microseconds(DateTime at) => new(at.Ticks - (at.Ticks % 10), DateTimeKind.Utc);
}
