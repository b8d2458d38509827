using Dapper;
using Dilemma.Grains.Interfaces.Sessions;
using Dilemma.Grains.Research;
using Dilemma.Tests.Infrastructure;
using MySqlConnector;

namespace Dilemma.Tests.Research;

/// <summary>
/// The audit records an action that has a key (an end by its room, a request by its Idempotency-Key) once per session, however
/// often a retry replays it; actions without a key are a row each time. In MariaDB and in memory alike.
/// </summary>
public sealed class FacilitatorActionRecordTests(LocalServices services)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MySQL_records_a_keyed_action_once_per_session_and_one_without_a_key_each_time()
    {
        var database = await services.CreateDatabaseAsync("faudit_", migrate: true, Ct);
        await using (var connection = new MySqlConnection(database))
        {
            await connection.ExecuteAsync(new CommandDefinition("INSERT INTO users (id, is_guest, created_at) VALUES (7, 0, UTC_TIMESTAMP(6))", cancellationToken: Ct));
        }

        await using var dataSource = new MySqlDataSource(database);
        var store = new MySqlFacilitatorActionStore(dataSource);

        await RecordReplaysAsync(store);

        Assert.Equal(Expected, Shape(await store.ReadAsync("S1", Ct)));
        Assert.Equal(("end_room", (string?)null, (string?)"end_room:100001"), Assert.Single(Shape(await store.ReadAsync("S2", Ct))));
    }

    [Fact]
    public async Task In_memory_records_a_keyed_action_once_per_session_and_one_without_a_key_each_time()
    {
        var store = new InMemoryFacilitatorActionStore();

        await RecordReplaysAsync(store);

        Assert.Equal(Expected, Shape(await store.ReadAsync("S1", Ct)));
        Assert.Equal(("end_room", (string?)null, (string?)"end_room:100001"), Assert.Single(Shape(await store.ReadAsync("S2", Ct))));
    }

    // The first of each keyed action stays (its reason, its time); every unkeyed one is a row. Keys compare exactly ("k" is not "K").
    private static readonly List<(string Action, string? Reason, string? OnceKey)> Expected =
    [
        ("end_room", "first", "end_room:100001"),
        ("extend_deadline", null, "k"),
        ("pause_room", null, null),
        ("pause_room", null, null),
        ("extend_deadline", null, "K"),
    ];

    private static async Task RecordReplaysAsync(IFacilitatorActionStore store)
    {
        var at = new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
        FacilitatorActionEntry Entry(string session, string action, string? reason, string? key, int minute) =>
            new(session, 7, action, "100001", UserId: null, reason, at.AddMinutes(minute), OnceKey: key);

        await store.RecordAsync(Entry("S1", "end_room", "first", "end_room:100001", 0), Ct);
        await store.RecordAsync(Entry("S1", "end_room", "again", "end_room:100001", 1), Ct);
        await store.RecordAsync(Entry("S1", "extend_deadline", null, "k", 2), Ct);
        await store.RecordAsync(Entry("S1", "extend_deadline", null, "k", 3), Ct);
        await store.RecordAsync(Entry("S1", "pause_room", null, null, 4), Ct);
        await store.RecordAsync(Entry("S1", "pause_room", null, null, 5), Ct);
        await store.RecordAsync(Entry("S1", "extend_deadline", null, "K", 6), Ct);
        await store.RecordAsync(Entry("S2", "end_room", null, "end_room:100001", 7), Ct);
    }

    private static List<(string Action, string? Reason, string? OnceKey)> Shape(IReadOnlyList<FacilitatorActionEntry> entries) =>
        entries.Select(e => (e.Action, e.Reason, e.OnceKey)).ToList();
}
