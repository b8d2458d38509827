using System.Globalization;
using System.Net;
using System.Text.Json;
using Dilemma.Grains.Research;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Realtime;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// A drop, a host change, a reconnect or a return whose room save failed after its row: the room comes back as last
/// stored and the step is made again, by a retry, a timer or the next activation. Each is numbered among its seat's, so the
/// step made again is the row already there; and a reconnect that is only in the rows still gets its grace. Embedded mode
/// on Kestrel (for the sockets), its grain storage failing the one write the test arms, a grace of two seconds.
/// </summary>
public sealed class ReplayedPresenceTests : IAsyncDisposable
{
    private const int GraceSeconds = 2;

    // The grace, the room's next activation and the drop it makes, with room to spare on a busy machine.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly FailingRoomWrites _failing = new();
    private readonly GatewayFactory _gateway;
    private readonly Uri _address;
    private readonly HttpClient _http;

    public ReplayedPresenceTests()
    {
        _gateway = new GatewayFactory(
            new Dictionary<string, string?> { ["Game:ReconnectGraceSeconds"] = GraceSeconds.ToString(CultureInfo.InvariantCulture) },
            s => _failing.AroundGameStorage(s));
        _address = _gateway.StartKestrel();
        _http = new HttpClient { BaseAddress = _address };
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private InMemoryResearchStore Research => _gateway.Services.GetRequiredService<InMemoryResearchStore>();

    /// <summary>
    /// A leaving host is dropped and hands over in one step; its save failed and the retried leave made both again. The
    /// export showed two drops and two host changes where there was one of each.
    /// </summary>
    [Fact]
    public async Task A_drop_and_host_change_made_again_after_their_save_failed_are_recorded_once()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(_http, Ct);

        _failing.FailNext(code);
        using (var failed = await players[0].PostAsync($"/rooms/{code}/leave", null, Ct))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }

        using (var retried = await players[0].PostAsync($"/rooms/{code}/leave", null, Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, retried.StatusCode);
        }

        var room = await RoomAsync(players[1], code);
        Assert.Equal(players[1].UserId, room.GetProperty("host_user_id").GetInt64());
        Assert.Equal("dropped", PresenceOf(room, players[0].UserId));
        Assert.Equal(
            [
                (RoomEventType.Dropped, players[0].UserId, (long?)players[0].UserId, (int?)1),
                (RoomEventType.HostChanged, players[1].UserId, null, 1),
            ],
            Events(code));
    }

    /// <summary>
    /// The row of a reconnect was written and its save failed: the room came back without the grace, and the seat showed
    /// present until the host removed it. It is now reconnecting from the recorded time, and dropped when the grace ends;
    /// back and gone again, its next reconnect and drop are rows of their own.
    /// </summary>
    [Fact]
    public async Task A_reconnect_whose_save_failed_still_drops_the_participant_after_the_grace()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(_http, Ct);
        var (watcher, _) = await RealtimeKit.JoinAsync(_address, players[0], code, Ct);
        await using var _watcher = watcher;
        var (gone, _) = await RealtimeKit.JoinAsync(_address, players[2], code, Ct);

        _failing.FailNext(code);
        await gone.DisposeAsync();
        await Eventually.UntilAsync(
            () => Task.FromResult(Events(code).Count > 0),
            Deadline,
            () => $"the reconnect of {players[2].UserId} in room {code} to be recorded",
            Ct);

        var presence = "";
        await Eventually.UntilAsync(
            async () => (presence = PresenceOf(await RoomAsync(players[0], code), players[2].UserId)) == "dropped",
            Deadline,
            () => $"{players[2].UserId} to be dropped after the grace (presence: {presence})",
            Ct,
            TimeSpan.FromMilliseconds(200));

        // Back, and gone for good: a second drop is a drop of its own.
        var (back, _) = await RealtimeKit.JoinAsync(_address, players[2], code, Ct);
        await using var _back = back;
        await Eventually.UntilAsync(
            async () => (presence = PresenceOf(await RoomAsync(players[0], code), players[2].UserId)) == "present",
            Deadline,
            () => $"{players[2].UserId} to be back (presence: {presence})",
            Ct,
            TimeSpan.FromMilliseconds(200));
        using (var left = await players[2].PostAsync($"/rooms/{code}/leave", null, Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, left.StatusCode);
        }

        Assert.Equal(
            [
                (RoomEventType.Reconnecting, players[2].UserId, (long?)null, (int?)1),
                (RoomEventType.Dropped, players[2].UserId, null, 2),
                (RoomEventType.Returned, players[2].UserId, null, 3),
                (RoomEventType.Dropped, players[2].UserId, players[2].UserId, 4),
            ],
            Events(code));
    }

    private List<(string Type, long? UserId, long? Actor, int? Occurrence)> Events(string code) =>
        Research.RoomEvents(code).Select(e => (e.EventType, e.UserId, e.ActorId, e.Occurrence)).ToList();

    private static async Task<JsonElement> RoomAsync(Player player, string code) =>
        await HttpAssert.OkAsync<JsonElement>(await player.GetAsync($"/rooms/{code}", Ct));

    private static string? PresenceOf(JsonElement room, long userId) =>
        room.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("user_id").GetInt64() == userId).GetProperty("presence").GetString();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }
}
