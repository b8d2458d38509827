using System.Net;
using System.Text.Json;
using Dilemma.Grains.Research;
using Dilemma.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// A round's deadline holds from its time, not from when its reminder fires: after a silo is lost the reminder comes
/// up to a minute late. The room's clock is moved past the deadline while the reminder (on the real clock) has not
/// fired yet, which is that minute: a choice then is refused and the late seats are timed out, as at the deadline.
/// </summary>
public sealed class OverdueDeadlineTests : IAsyncDisposable
{
    private readonly ShiftedClock _clock = new();
    private readonly GatewayFactory _gateway;
    private readonly HttpClient _http;

    public OverdueDeadlineTests()
    {
        _gateway = new GatewayFactory(services: s => s.AddSingleton<TimeProvider>(_clock));
        _http = _gateway.CreateClient();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_choice_after_the_deadline_whose_reminder_has_not_fired_is_refused_and_the_late_seats_are_timed_out()
    {
        var players = await RoomKit.GuestsAsync(_http, 3, Ct);
        var code = RoomKit.Code(await HttpAssert.OkAsync<JsonElement>(
            await players[0].PostAsync("/rooms/private", new { title = "timed", topic = RoomKit.Topic, choice_seconds = 600 }, Ct),
            HttpStatusCode.Created));
        await RoomKit.JoinAsync(players[1], code, Ct);
        await RoomKit.JoinAsync(players[2], code, Ct);
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/assign-roles/{code}", new { }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 1, 1, 3, Ct), HttpStatusCode.Created);

        // Eleven minutes on by the room's clock; the reminder, on the real one, is ten minutes away.
        _clock.Shift = TimeSpan.FromMinutes(11);

        await HttpAssert.ProblemAsync(await RoomKit.ChooseAsync(players[1], code, 1, 0, 4, Ct), HttpStatusCode.Conflict, "choices_closed");
        var room = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(JsonValueKind.Null, room.GetProperty("deadline_kind").ValueKind);
        var timedOut = _gateway.Services.GetRequiredService<InMemoryResearchStore>().RoomEvents(code)
            .Where(e => e.EventType == RoomEventType.TimedOut).Select(e => e.UserId!.Value).Order();
        Assert.Equal(new[] { players[1].UserId, players[2].UserId }.Order(), timedOut);

        // The consensus is open with the one choice made in time.
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 1, 1, 4, Ct), HttpStatusCode.Created);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }

    /// <summary>The real clock moved on by <see cref="Shift"/>; its timers stay real, as a late reminder's are.</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Shift { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Shift;
    }
}
