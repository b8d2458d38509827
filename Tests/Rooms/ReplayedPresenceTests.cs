using System.Globalization;
using System.Net;
using System.Text.Json;
using Dilemma.Grains.Research;
using Dilemma.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// A drop, a host change, a reconnect or a return whose room save failed after its row: the room comes back as last
/// stored and the step is made again, by a retry, a timer or the next activation. Each is numbered among its seat's, so the
/// step made again is the row already there. Embedded mode on Kestrel (for the sockets), its grain storage failing the one
/// write the test arms, a grace of two seconds.
/// </summary>
public sealed class ReplayedPresenceTests : IAsyncDisposable
{
    private const int GraceSeconds = 2;

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
