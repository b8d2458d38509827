using System.Net;
using System.Text.Json;
using Dilemma.Grains.Research;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Sessions;

/// <summary>
/// A late arrival with no waiting room to sit in gets a new room, opened with them as host. When the session's write that
/// records it failed after the room had opened, the retried enrolment opened a second room: the student sat in two, the first
/// a room of the session the session did not know (not in its results, but in the export with their seat). Embedded mode,
/// its grain storage failing the one session write the test picks.
/// </summary>
public sealed class FailedLateArrivalTests : IAsyncDisposable
{
    private readonly FailingRoomWrites _failing = new();
    private readonly GatewayFactory _gateway;
    private readonly HttpClient _http;

    public FailedLateArrivalTests()
    {
        _gateway = new GatewayFactory(services: s => _failing.AroundGameStorage(s));
        _http = _gateway.CreateClient();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IGrainFactory Grains => _gateway.Services.GetRequiredService<IGrainFactory>();

    [Fact]
    public async Task A_late_arrival_whose_new_room_opened_before_the_sessions_write_failed_is_seated_in_that_room_when_enrolling_again()
    {
        var (facilitator, code, late) = await FailedLateArrivalAsync();

        var seat = await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(late, code, Ct));

        var roomCode = seat.GetProperty("room_code").GetString()!;
        Assert.Equal([roomCode], RoomsSeating(late));
        var room = await HttpAssert.OkAsync<JsonElement>(await late.GetAsync($"/rooms/{roomCode}", Ct));
        Assert.Equal("waiting", room.GetProperty("phase").GetString());
        Assert.Equal([late.UserId], room.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("user_id").GetInt64()));
        var session = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}", Ct));
        Assert.Equal(roomCode, session.GetProperty("waiting_room").GetString());
        Assert.Equal([late.UserId], SessionKit.UserIds(SessionKit.Rooms(session).Single(r => r.GetProperty("room_code").GetString() == roomCode)));
        var results = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}/results", Ct));
        Assert.Equal(2, results.GetProperty("rooms_total").GetInt32());

        // It is the session's waiting room: the next late arrival sits beside them.
        var next = await RoomKit.GuestAsync(_http, Ct);
        Assert.Equal(roomCode, (await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(next, code, Ct))).GetProperty("room_code").GetString());
    }

    /// <summary>The facilitator need not wait for the student to enrol again: the session's next call, whatever it is, records the room.</summary>
    [Fact]
    public async Task The_new_room_of_a_late_arrival_whose_enrolment_failed_is_the_sessions_before_they_enrol_again()
    {
        var (facilitator, code, late) = await FailedLateArrivalAsync();

        var session = await HttpAssert.OkAsync<JsonElement>(await facilitator.GetAsync($"/sessions/{code}", Ct));

        var roomCode = session.GetProperty("waiting_room").GetString()!;
        Assert.Equal([roomCode], RoomsSeating(late));
        Assert.Equal([late.UserId], SessionKit.UserIds(SessionKit.Rooms(session).Single(r => r.GetProperty("room_code").GetString() == roomCode)));
        Assert.Equal(roomCode, (await HttpAssert.OkAsync<JsonElement>(await SessionKit.EnrolAsync(late, code, Ct))).GetProperty("room_code").GetString());
        Assert.Equal([roomCode], RoomsSeating(late));
    }

    /// <summary>
    /// A started session of three (one room, no waiting room) and a late arrival whose enrolment opened a room for them and
    /// then failed (500) on the session's write recording that room.
    /// </summary>
    private async Task<(Player Facilitator, string Code, Player Late)> FailedLateArrivalAsync()
    {
        var facilitator = await SessionKit.FacilitatorAsync(_http, Grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        await SessionKit.EnrolledAsync(_http, code, 3, Ct);
        var started = await SessionKit.StartAsync(facilitator, code, Ct);
        Assert.Equal(JsonValueKind.Null, started.GetProperty("waiting_room").ValueKind);
        var late = await RoomKit.GuestAsync(_http, Ct);

        _failing.FailNextSessionWrite(code, state => state.Rooms.Exists(r => r.UserIds.Contains(late.UserId)));
        using var failed = await SessionKit.EnrolAsync(late, code, Ct);
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Single(RoomsSeating(late));
        return (facilitator, code, late);
    }

    /// <summary>The rooms whose research rows seat <paramref name="player"/> (what the export shows).</summary>
    private List<string> RoomsSeating(Player player) =>
        Research.SnapshotRooms().Where(r => r.Seats.Any(s => s.UserId == player.UserId)).Select(r => r.Record.RoomCode).ToList();

    private InMemoryResearchStore Research => _gateway.Services.GetRequiredService<InMemoryResearchStore>();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }
}
