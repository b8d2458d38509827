using Dapper;
using Dilemma.Grains.Research;
using Dilemma.Grains.Storage;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using MySqlConnector;

namespace Dilemma.Tests.Research;

/// <summary>
/// The MySQL store records an event that happens once (a seat's absent, timed_out, a round's no_consensus, a removal, a move) once,
/// however often a retried call repeats it; other events, which may recur (a drop, a return), as often as they come. A bot's
/// choice is likewise one AI interaction.
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

    [Fact]
    public async Task A_rooms_early_end_is_recorded_once_and_read_back_as_first_recorded()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(cluster.Client, Ct);
        await using var dataSource = new MySqlDataSource(cluster.Deployment.MySqlConnectionString);
        await using var groupCommit = new MySqlGroupCommit(dataSource);
        var store = new MySqlResearchStore(dataSource, groupCommit);
        var first = new DateTime(2026, 12, 6, 1, 0, 0, DateTimeKind.Utc);
        Assert.Null(await store.ReadEndedEarlyAsync(code, Ct));

        await store.RecordRoomEventAsync(new RoomEventRecord(code, RoomEventType.EndedEarly, UserId: null, 2, players[0].UserId, IsBot: false, first), Ct);
        await store.RecordRoomEventAsync(new RoomEventRecord(code, RoomEventType.EndedEarly, UserId: null, 2, ActorId: null, IsBot: false, first.AddMinutes(1)), Ct);

        var ended = await store.ReadEndedEarlyAsync(code, Ct);
        Assert.Equal((players[0].UserId, 2, first), (ended!.ActorId, ended.RoundNumber, ended.At));
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
}
